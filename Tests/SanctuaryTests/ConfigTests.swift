import Foundation
import Sanctuary
import TestSupport
import XCTest

final class ConfigTests: XCTestCase {
    func testDefaultsComeFromTheCheckedInFile() throws {
        let config = try AppConfig.load(root: packageRoot, environment: [:])
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 8080)
        XCTAssertEqual(config.database, "var/sanctuary.sqlite")
        XCTAssertEqual(config.limits.maxBodyBytes, 1_048_576)
    }

    func testEnvironmentOverridesFileAndFlagsOverrideEnvironment() throws {
        let env = [
            "SANCTUARY_PORT": "9001", "SANCTUARY_HOST": "0.0.0.0", "SANCTUARY_DB": "/tmp/x.sqlite", "SANCTUARY_SECURE_COOKIES": "true",
        ]
        let config = try AppConfig.load(root: packageRoot, environment: env, overrides: ["port": "9002"])
        XCTAssertEqual(config.port, 9002)
        XCTAssertEqual(config.host, "0.0.0.0")
        XCTAssertEqual(config.databasePath, "/tmp/x.sqlite")
        XCTAssertTrue(config.secureCookies)
    }

    func testBadValuesNameTheKey() {
        XCTAssertThrowsError(try AppConfig.load(root: packageRoot, environment: ["SANCTUARY_PORT": "eighty"])) { error in
            XCTAssertEqual("\(error)".components(separatedBy: "\n").count, 1)
            XCTAssertTrue("\(error)".contains("SANCTUARY_PORT"), "\(error)")
        }
        XCTAssertThrowsError(try AppConfig.load(root: packageRoot, environment: ["SANCTUARY_SECURE_COOKIES": "maybe"])) { error in
            XCTAssertTrue("\(error)".contains("SANCTUARY_SECURE_COOKIES"))
        }
    }

    func testBadFileValuesNameTheKey() throws {
        let folder = makeTemporaryDirectory()
        let file = folder.appendingPathComponent("bad.json")
        try #"{"limits": {"body_bytes": "lots"}}"#.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AppConfig.load(root: packageRoot, file: file, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("limits.body_bytes"), "\(error)")
        }
        try #"{"prot": 80}"#.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AppConfig.load(root: packageRoot, file: file, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("prot is not a known setting"), "\(error)")
        }
    }

    func testThePageCacheSettingAcceptsZeroToTurnItOff() throws {
        let folder = makeTemporaryDirectory()
        let file = folder.appendingPathComponent("cache.json")
        XCTAssertEqual(try AppConfig.load(root: packageRoot, environment: [:]).pageCacheSeconds, 1)
        try #"{"cache": {"page_seconds": 0}}"#.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try AppConfig.load(root: packageRoot, file: file, environment: [:]).pageCacheSeconds, 0)
        for bad in ["-1", "61", "\"soon\""] {
            try #"{"cache": {"page_seconds": \#(bad)}}"#.write(to: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try AppConfig.load(root: packageRoot, file: file, environment: [:])) { error in
                XCTAssertTrue("\(error)".contains("cache.page_seconds"), "\(error)")
            }
        }
    }
}
