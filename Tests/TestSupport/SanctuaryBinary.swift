import Foundation

/// The real `sanctuary` binary, built beside the tests, run as an operator (or a mail
/// server's pipe) runs it: from the package root, with an optional standard input.
public enum SanctuaryBinary {
    public static var url: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("sanctuary")
    }

    public static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: url.path) }

    /// Runs it to its end: its exit status and everything it printed (both streams).
    public static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = url
        process.currentDirectoryURL = packageRoot
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Starts `sanctuary serve --port 0 …` with `arguments` added (from the package root) and
    /// answers it with the port it printed; the caller stops it.
    public static func serve(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = url
        process.currentDirectoryURL = packageRoot
        process.arguments = ["serve", "--port", "0"] + arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        var banner = ""
        while !banner.contains("listening on") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            banner += String(decoding: data, as: UTF8.self)
        }
        guard let match = banner.range(of: #":(\d+)/"#, options: .regularExpression), let port = Int(banner[match].dropFirst().dropLast())
        else {
            process.terminate()
            throw RawClient.ClientError.malformed("no port in \(banner)")
        }
        return (process, port)
    }
}
