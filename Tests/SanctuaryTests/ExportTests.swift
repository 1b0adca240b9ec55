import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// The SPEC's CSV: BOM, CRLF, header, quoting, formula-injection prefix; streamed.
final class ExportTests: XCTestCase {
    func csv(_ rows: [[String]]) -> String {
        var out: [UInt8] = []
        for row in rows { CSV.appendRow(row, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    func testQuotingOfCommasQuotesNewlinesAndNonASCII() {
        XCTAssertEqual(
            csv([["plain", "a,b", "say \"hi\"", "line1\nline2", "cr\rhere", "Montréal 難民", ""]]),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\rhere\",Montréal 難民,\r\n")
    }

    func testFormulaCellsArePrefixed() {
        XCTAssertEqual(
            csv([["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx", "a=b"]]),
            "'=SUM(A1),'+1,'-2,'@cmd,'\tx,\"'\rx\",a=b\r\n")
        XCTAssertEqual(csv([["=1,2"]]), "\"'=1,2\"\r\n")
    }

    func testExportOfAPetition() throws {
        let site = try TestApp(sampleContent: true) { $0.signaturesPerMinute = 1000 }
        defer { site.stop() }
        XCTAssertEqual(
            try site.sign(
                "waive-travel-loans",
                [
                    "first_name": "=HYPERLINK(\"x\")", "last_name": "O'Brien, Jr.",
                    "email": "one@example.org", "comment": "Je signe,\nparce que…",
                    "consent_updates": "yes",
                ]
            ).status, 303)
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "two@example.org", "postal_code": "h2x1y4"]).status, 303)
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "three@example.org", "postal_code": "V5K 0A1"]).status, 303)
        XCTAssertEqual(try site.sign("rescind-safe-third-country", ["email": "other@example.org"]).status, 303)
        let id = try XCTUnwrap(try site.app.database.read { try PetitionStore.id(forSlug: "waive-travel-loans", $0) })
        let bytes = try SignatureExport.stream(site.app.database, petitionID: id).collect()
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        XCTAssertEqual(lines[0], "signed_at,first_name,last_name,email,postal_code,riding,comment,consent_updates")
        XCTAssertTrue(
            lines[1].hasSuffix(
                #","'=HYPERLINK(""x"")","O'Brien, Jr.",one@example.org,K1A 0B1,Ottawa Centre,"Je signe,"# + "\nparce que…\",yes"), lines[1])
        XCTAssertTrue(lines[1].range(of: #"^"?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"?,"#, options: .regularExpression) != nil, lines[1])
        XCTAssertTrue(lines[2].hasSuffix(",Amal,Haddad,two@example.org,H2X 1Y4,,,no"), "H2X spans two ridings: left empty. \(lines[2])")
        XCTAssertTrue(
            lines[3].hasSuffix(",Amal,Haddad,three@example.org,V5K 0A1,Vancouver East,,no"), "V5K lies in one riding. \(lines[3])")
        XCTAssertEqual(lines.count, 5, "header, three rows, and the empty string after the last CRLF")
        XCTAssertFalse(text.contains("other@example.org"), "only this petition's signatures")
    }

    func testExportOfManyRowsComesInPieces() throws {
        let folder = makeTemporaryDirectory()
        let database = try Database(path: folder.appendingPathComponent("e.sqlite").path)
        defer { database.close() }
        try Migrator(directory: packageRoot.appendingPathComponent("Migrations")).migrate(database)
        try database.exclusive { db in
            try db.transaction {
                try db.run("INSERT INTO petitions (id, slug, title, state) VALUES (1, 'p', 'P', 'open')")
                for i in 0..<20_000 {
                    try db.run(
                        "INSERT INTO signatures (petition_id, first_name, last_name, email, postal_code, created_at, confirmed_at) VALUES (1, 'A', 'B', ?, 'K1A 0B1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                        "p\(i)@example.org")
                }
            }
        }
        let stream = try SignatureExport.stream(database, petitionID: 1)
        var pieces = 0
        var newlines = 0
        var largest = 0
        while let piece = try stream.next() {
            pieces += 1
            largest = max(largest, piece.count)
            newlines += piece.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        }
        XCTAssertEqual(newlines, 20_001)
        XCTAssertGreaterThan(pieces, 5, "streamed, not built whole")
        XCTAssertLessThan(largest, 128 * 1024)
    }

    func testExportCommandWritesAFile() throws {
        let folder = makeTemporaryDirectory()
        let databasePath = folder.appendingPathComponent("cli.sqlite").path
        do {
            let site = try TestApp(sampleContent: true) {
                $0.database = databasePath
                $0.signaturesPerMinute = 100
            }
            XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "cli@example.org"]).status, 303)
            site.server.shutdown()
            site.app.close()
        }
        let binary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "sanctuary")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("binary not built") }
        let output = folder.appendingPathComponent("out.csv").path
        let process = Process()
        process.executableURL = binary
        process.currentDirectoryURL = packageRoot
        process.arguments = ["export-signatures", "--petition", "waive-travel-loans", "--output", output, "--db", databasePath]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("signed_at,first_name"))
        XCTAssertTrue(text.contains(",cli@example.org,K1A 0B1,Ottawa Centre,,no\r\n"))

        let missing = Process()
        missing.executableURL = binary
        missing.currentDirectoryURL = packageRoot
        missing.arguments = ["export-signatures", "--petition", "nope", "--db", databasePath]
        missing.standardError = Pipe()
        try missing.run()
        missing.waitUntilExit()
        XCTAssertNotEqual(missing.terminationStatus, 0)
    }
}
