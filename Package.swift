// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Sanctuary",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sanctuary", targets: ["sanctuary"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // Metrics: the API our layers count with, and its Prometheus backend. Neither uses SwiftNIO.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C system libraries, each a thin module map over a Debian -dev package.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CGzip", path: "Sources/CGzip", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", providers: [.apt(["libpq-dev"])]),
        // Our C glue over libjpeg and libpng: libjpeg reports errors by longjmp, which Swift cannot catch.
        // (C code does not autolink from module maps, so the libraries are named here too.)
        .target(
            name: "CImageCodec", dependencies: ["CJPEG", "CPNG"], path: "Sources/CImageCodec",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),
        // libcurl's easy interface, opened with dlopen("libcurl.so.4"): no headers, no -dev package.
        .target(name: "CCurl", path: "Sources/CCurl", linkerSettings: [.linkedLibrary("dl")]),
        // libqrencode, opened with dlopen("libqrencode.so.4") when installed: the picture of a
        // second-factor key is a convenience (the key is shown as text too).
        .target(name: "CQRCode", path: "Sources/CQRCode", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),

        // Layer 1: storage. What both engines share: values and binding, rows read into models,
        // select lists, typed failures, and the group-commit writer.
        .target(
            name: "SQL", dependencies: ["CLinux", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strict),
        // Our small Swift layer over SQLite: the embedded default.
        .target(
            name: "SQLite",
            dependencies: ["SQL", "CSQLite", "CLinux", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strict),
        // Our small Swift layer over libpq, shaped like `SQLite`: past one machine.
        .target(name: "Postgres", dependencies: ["SQL", "CPostgres", "CLinux"], swiftSettings: strict),
        // The seam the stores talk to: one `Database`, `Connection` and `Row` over either engine,
        // chosen by the `database` setting; and the migrations for both.
        .target(
            name: "Storage",
            dependencies: [
                "SQL", "SQLite", "Postgres", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ], swiftSettings: strict),

        // Layer 1: transport. Our HTTP/1.1 server on POSIX sockets + epoll.
        .target(
            name: "HTTP",
            dependencies: [
                "CLinux", "CGzip",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ], swiftSettings: strict),

        // Layer 1: mail transport. MIME messages, and SMTP through libcurl.
        .target(name: "Mail", dependencies: ["CCurl", "CLinux"], swiftSettings: strict),

        // Layer 1: pictures. Decode, turn upright, scale down (an area filter of ours),
        // encode again: nothing but pixels survives.
        // Optimised even in debug builds: pixel loops at -Onone are fifty times slower, and a
        // newcomer's first `swift run` makes the sample pictures.
        .target(name: "Images", dependencies: ["CImageCodec"], swiftSettings: strict + [.unsafeFlags(["-O"])]),

        // Layer 2: the application — features, views, configuration.
        .target(
            name: "Sanctuary",
            dependencies: [
                "Storage", "SQLite", "HTTP", "Mail", "Images", "CLinux", "CQRCode",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ], swiftSettings: strict),

        // Layer 3: the command line.
        .executableTarget(
            name: "sanctuary",
            dependencies: [
                "Sanctuary", "Storage", "SQLite", "Mail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ], swiftSettings: strict),

        // The whole-app fuzzer: raw request bytes through the real parser, router and
        // application. Built by `Fuzz/app` with libFuzzer (`-DFUZZING`); a plain build is a
        // replayer that runs files of requests through the same checks (the seed corpus in CI).
        .executableTarget(
            name: "SanctuaryFuzz",
            dependencies: [
                "Sanctuary", "HTTP", "Storage", .product(name: "Logging", package: "swift-log"),
            ], path: "Fuzz/App", swiftSettings: strict),

        // Benchmarks/markdown: the renderer on 1 MiB pathological inputs.
        .executableTarget(name: "MarkdownBenchmark", dependencies: ["Sanctuary"], path: "Benchmarks/Markdown", swiftSettings: strict),
        // Benchmarks/national-hour: the visitors who sign, read their mail and confirm.
        .executableTarget(name: "NationalHourClient", path: "Benchmarks/NationalHour", swiftSettings: strict),

        .target(
            name: "TestSupport", dependencies: ["HTTP", "Sanctuary", "Storage", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "Storage", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "Storage", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ImagesTests", dependencies: ["Images"], swiftSettings: strict),
        .testTarget(
            name: "SanctuaryTests",
            dependencies: [
                "Sanctuary", "Storage", "SQLite", "Postgres", "TestSupport", "Images",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ], swiftSettings: strict),
    ]
)
