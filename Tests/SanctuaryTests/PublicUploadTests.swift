import Foundation
import HTTP
import Images
import Storage
import Synchronization
import TestSupport
import XCTest

@testable import Sanctuary

/// A visitor's form with a photo, through `publicUploadPost`: the same checks as every
/// public form (token, honeypot, rate), the photo made into pictures by the same step as
/// staff uploads (no metadata survives), and no spooled file left whatever happens. The
/// feature using it is written here, as the stories feature will be.
struct PhotoWallFeature: Feature {
    static let stored = Mutex<[String]>([])
    let app: Application

    func register() {
        app.router.get("/photos/new") { request in
            let csrf = app.formTokens.make(for: "/photos")
            return app.page(request, title: "Send a photo") { _ in
                """
                <form method="post" action="/photos?_csrf=\(csrf)" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="\(csrf)">
                <input name="caption"><input type="file" name="file"></form>
                """
            }
        }
        app.router.post(
            "/photos", upload: 10 * 1024 * 1024, precheck: app.publicUploadPrecheck(action: { _ in "/photos" }),
            async: { request in
                try await app.publicUploadPost(
                    request, action: "/photos", honeypot: .text("Thank you\n"),
                    check: { upload in
                        switch await PictureIntake.make(app, upload.file("file")) {
                        case .made(let pictures): return .valid((upload.fields["caption"] ?? "", pictures))
                        case .refused(let key, _): return .answer(.text(app.t(request)(key) + "\n", status: .unprocessableContent))
                        }
                    },
                    accept: { input, _ in
                        let folder = app.mediaDirectory + "/.photo-" + SecretToken.make()
                        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                        try input.1.write(to: folder)
                        Self.stored.withLock { $0.append(folder) }
                        return .redirect(to: "/photos/new?sent=1")
                    })
            })
    }
}

final class PublicUploadTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true, features: [PhotoWallFeature.self]) { $0.signaturesPerMinute = 3 }
        PhotoWallFeature.stored.withLock { $0 = [] }
    }

    override func tearDown() { site?.stop() }

    func post(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])?, token: String?) throws -> ClientResponse {
        let boundary = "----photoBoundary"
        let body = FormHelper.multipart(fields, file: file, boundary: boundary, fileType: "image/jpeg")
        let client = try site.client()
        let target = token.map { "/photos?_csrf=\($0)" } ?? "/photos"
        client.send(
            "POST \(target) HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        )
        client.send(body)
        return try client.readResponse()
    }

    func spool() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: site.app.config.spoolDirectory) }

    func testAVisitorsPhotoGoesThroughThePublicFormsChecksAndLeavesNoMetadataNorSpooledFile() throws {
        let page = try site.get("/photos/new")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let photo = try phonePhoto()
        XCTAssertNotNil(String(decoding: photo, as: UTF8.self).range(of: "GPS 45.4215"), "the photo as sent names the place")

        // No token, or a forged one: refused on the head, before the body is stored.
        XCTAssertEqual(try post([("caption", "x")], file: ("p.jpg", photo), token: nil).status, 403)
        XCTAssertEqual(try post([("caption", "x")], file: ("p.jpg", photo), token: "forged").status, 403)
        // The honeypot: thanked, nothing stored.
        let bot = try post([("_csrf", token), ("caption", "x"), ("website", "http://spam.example")], file: ("p.jpg", photo), token: token)
        XCTAssertEqual(bot.status, 200)
        // Not a picture, or no file: the form's message, nothing stored.
        let text = try post([("_csrf", token), ("caption", "x")], file: ("notes.jpg", Array("just words".utf8)), token: token)
        XCTAssertEqual(text.status, 422)
        XCTAssertTrue(text.text.contains("not a JPEG or PNG"), text.text)
        XCTAssertEqual(text.header("Cache-Control"), "no-store")
        XCTAssertEqual(try post([("_csrf", token), ("caption", "x")], file: nil, token: token).status, 422)
        XCTAssertEqual(PhotoWallFeature.stored.withLock { $0.count }, 0)

        // A real photo: made into pictures, with not a byte of its metadata.
        let sent = try post([("_csrf", token), ("caption", "Our welcome dinner")], file: ("dinner.jpg", photo), token: token)
        XCTAssertEqual(sent.status, 303, sent.text)
        let folder = try XCTUnwrap(PhotoWallFeature.stored.withLock { $0.first })
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertFalse(files.isEmpty)
        for name in files {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/" + name))
            XCTAssertNil(String(decoding: bytes, as: UTF8.self).range(of: "GPS 45.4215"), "\(name) keeps no metadata")
            XCTAssertNil(bytes.range(of: Data("Exif".utf8)), name)
        }
        // Past the rate: 429, and still nothing left in the spool.
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try post([("_csrf", token), ("caption", "again")], file: ("d.jpg", photo), token: token).status) }
        XCTAssertTrue(statuses.contains(429), "\(statuses)")
        XCTAssertEqual(try spool(), [], "no spooled file is left, whatever the answer")
    }
}

/// A phone's JPEG: real pixels, then an EXIF segment naming a place (what a visitor's photo
/// may carry, and what no copy the site makes may keep).
func phonePhoto(width: Int = 640, height: Int = 480) throws -> [UInt8] {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in stride(from: 0, to: pixels.count, by: 3) { pixels[i] = UInt8(i % 251) }
    let jpeg = try ImageCodec.encodeJPEG(Bitmap(width: width, height: height, channels: 3, pixels: pixels))
    let payload = Array("Exif\0\0".utf8) + Array("II*\0GPS 45.4215 N, 75.6972 W".utf8)
    let segment: [UInt8] = [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
    return Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
}
