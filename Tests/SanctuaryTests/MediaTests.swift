import Foundation
import HTTP
import Images
import Sanctuary
import Storage
import TestSupport
import XCTest

/// Pictures (SPEC "Sharing and images"): uploaded by staff, redrawn from pixels, served in
/// several sizes with no metadata left, immutable, shared as a 1200×630 card.
final class MediaTests: XCTestCase {
    var site: TestApp!
    var cookie: [(String, String)] = []

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.passwordCost = 10
            $0.publicBaseURL = "https://sanctuary.example.org"
        }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "org@example.org", name: "", role: .organizer, passwordHash: hash)
            try StaffStore.create(db, email: "ed@example.org", name: "", role: .editor, passwordHash: hash)
        }
        cookie = try site.signIn("org@example.org")
    }

    override func tearDown() { site?.stop() }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    /// A photo as a phone makes one: EXIF with GPS and the orientation "turned right", an
    /// XMP packet and a comment naming the place.
    func phonePhoto(width: Int = 2000, height: Int = 1500) throws -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8(x * 255 / width)
                pixels[i + 1] = UInt8(y * 255 / height)
                pixels[i + 2] = x < width / 10 ? 255 : 60
            }
        }
        let jpeg = try ImageCodec.encodeJPEG(Bitmap(width: width, height: height, channels: 3, pixels: pixels))
        func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
            let length = payload.count + 2
            return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        }
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        // TIFF: IFD0 at 8 with orientation = 6 and a GPS IFD pointer; the GPS IFD at 38 with
        // GPSLatitudeRef "N" and GPSVersionID.
        var tiff: [UInt8] = Array("II".utf8) + le16(42) + le32(8)
        tiff += le16(2) + le16(0x0112) + le16(3) + le32(1) + le16(6) + le16(0)
        tiff += le16(0x8825) + le16(4) + le32(1) + le32(38)
        tiff += le32(0)
        tiff += le16(2) + le16(0x0001) + le16(2) + le32(2) + Array("N\0".utf8) + le16(0)
        tiff += le16(0x0000) + le16(1) + le32(4) + [2, 3, 0, 0]
        tiff += le32(0) + Array("GPSLatitude 45.4215".utf8)
        let exif = segment(0xE1, Array("Exif\0\0".utf8) + tiff)
        let xmp = segment(0xE1, Array("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>secret-shelter-address</x:xmpmeta>".utf8))
        let comment = segment(0xFE, Array("taken at 45.4215,-75.6972".utf8))
        return Array(jpeg[0..<2]) + exif + xmp + comment + Array(jpeg[2...])
    }

    func upload(_ path: String, _ fields: [(String, String)], file: (name: String, bytes: [UInt8])?, as who: [(String, String)]? = nil)
        throws -> ClientResponse
    {
        try site.upload(path, fields, file: file, cookie: who ?? cookie)
    }

    func petitionID() throws -> Int { try scalar("SELECT id FROM petitions WHERE slug = 'waive-travel-loans'") }

    func testAPhoneSnapHasNoMetadataLeftInAnyCopyAndIsShownUpright() throws {
        let id = try petitionID()
        let photo = try phonePhoto()
        let form = try site.get("/admin/petitions/\(id)/image", headers: cookie).text
        XCTAssertTrue(form.contains("type=\"file\" required accept=\"image/jpeg,image/png\""), "the picker offers pictures")
        XCTAssertNotNil(String(decoding: photo, as: UTF8.self).range(of: "secret-shelter-address"), "the test photo carries XMP")
        let response = try upload(
            "/admin/petitions/\(id)/image",
            [
                ("alt", "Volunteers at the courthouse"), ("alt_fr", "Des bénévoles au palais"), ("caption", "The March hearing"),
                ("credit", "Amal Haddad, CC BY 4.0"),
            ], file: ("IMG_2041 (1).JPG", photo))
        XCTAssertEqual(response.status, 303, response.text)
        let media = try site.app.database.read { db in try MediaStore.of(db, .petitions, id: Int64(id)) }
        let picture = try XCTUnwrap(media)
        // Orientation 6: the 2000×1500 picture is shown 1500 wide and 2000 high.
        XCTAssertEqual(picture.width, 1500)
        XCTAssertEqual(picture.height, 2000)
        XCTAssertEqual(picture.name, "img-2041-1")

        let page = try site.get("/petitions/waive-travel-loans").text
        XCTAssertTrue(page.contains("srcset=\""), "responsive copies")
        XCTAssertTrue(page.contains("alt=\"Volunteers at the courthouse\""))
        XCTAssertTrue(page.contains("Photo: Amal Haddad, CC BY 4.0"))
        XCTAssertTrue(page.contains("width=\"1500\" height=\"2000\""), "its size, so nothing jumps as it loads")
        XCTAssertTrue(try site.get("/fr/petitions/waive-travel-loans").text.contains("alt=\"Des bénévoles au palais\""))

        let sources = Set(
            page.components(separatedBy: "/media/").dropFirst().compactMap { $0.split(whereSeparator: { " \"".contains($0) }).first }
                .map { "/media/" + $0 })
        XCTAssertGreaterThanOrEqual(sources.count, 3, "\(sources)")
        let shareURL = try XCTUnwrap(
            page.range(of: #"og:image" content="https://sanctuary.example.org(/media/[^"]+)""#, options: .regularExpression))
        let share = String(page[shareURL]).components(separatedBy: "sanctuary.example.org").last?.dropLast() ?? ""
        XCTAssertTrue(page.contains("<meta property=\"og:image:width\" content=\"1200\">"))
        XCTAssertTrue(page.contains("<meta property=\"og:image:height\" content=\"630\">"))
        for path in sources.union([String(share)]) {
            let served = try site.get(path)
            XCTAssertEqual(served.status, 200, path)
            XCTAssertEqual(served.header("Cache-Control"), "public, max-age=31536000, immutable", path)
            XCTAssertEqual(served.header("Content-Type"), "image/jpeg", path)
            let bytes = served.body
            XCTAssertEqual(ImageFormat.sniff(bytes), .jpeg)
            for secret in ["Exif", "ns.adobe.com", "secret-shelter-address", "45.4215", "GPS"] {
                XCTAssertNil(String(decoding: bytes, as: UTF8.self).range(of: secret), "\(secret) left in \(path)")
            }
            // No APP1 (EXIF/XMP) or COM segment at all.
            var i = 2
            while i + 4 <= bytes.count, bytes[i] == 0xFF, bytes[i + 1] != 0xDA {
                XCTAssertFalse([0xE1, 0xE2, 0xED, 0xFE].contains(bytes[i + 1]), "metadata segment \(bytes[i + 1]) in \(path)")
                i += 2 + Int(bytes[i + 2]) << 8 + Int(bytes[i + 3])
            }
            let decoded = try ImageCodec.decode(bytes)
            XCTAssertGreaterThan(decoded.height, 0)
        }
        let card = try ImageCodec.decode(try site.get(String(share)).body)
        XCTAssertEqual([card.width, card.height], [1200, 630])
        let audit = try site.app.database.read { try StaffStore.recentAudit($0).map(\.action) }
        XCTAssertTrue(audit.contains("add image"))
    }

    func testWhatIsNotAPictureIsRefusedAndNothingIsKept() throws {
        let id = try petitionID()
        let webp = Array("RIFF\u{10}\0\0\0WEBPVP8 ".utf8) + [UInt8](repeating: 7, count: 64)
        let refused = try upload("/admin/petitions/\(id)/image", [("alt", "A picture")], file: ("photo.webp", webp))
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.text.contains("not a JPEG or PNG"), refused.text)
        XCTAssertTrue(refused.text.hasPrefix("<!DOCTYPE") && refused.text.contains("<title>Error: "))
        let noAlt = try upload("/admin/petitions/\(id)/image", [("alt", "")], file: ("photo.jpg", try phonePhoto(width: 300, height: 200)))
        XCTAssertEqual(noAlt.status, 422)
        XCTAssertTrue(noAlt.text.contains("Describe the picture"))
        let damaged = try upload(
            "/admin/petitions/\(id)/image", [("alt", "A picture")], file: ("photo.jpg", Array(try phonePhoto().prefix(900))))
        XCTAssertEqual(damaged.status, 422)
        // A progressive JPEG claiming 65000 × 39000 (libjpeg would hold every coefficient): refused
        // from its header, as too large, while a sign-in still answers.
        var huge = try ImageCodec.encodeJPEG(Bitmap(width: 16, height: 16, channels: 3, pixels: [UInt8](repeating: 90, count: 16 * 16 * 3)))
        let sof = try XCTUnwrap(huge.indices.dropLast().first { huge[$0] == 0xFF && huge[$0 + 1] == 0xC2 })
        huge.replaceSubrange((sof + 5)...(sof + 8), with: [0x98, 0x58, 0xFD, 0xE8])
        let tooLarge = try upload("/admin/petitions/\(id)/image", [("alt", "A picture")], file: ("huge.jpg", huge))
        XCTAssertEqual(tooLarge.status, 422)
        XCTAssertTrue(tooLarge.text.contains("This picture is too large"), tooLarge.text)
        XCTAssertEqual(try scalar("SELECT count(*) FROM media"), 0)
        XCTAssertEqual(try scalar("SELECT count(*) FROM petitions WHERE image_id IS NOT NULL"), 0)
        let folder = site.app.mediaDirectory
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "no copies left behind")
    }

    func testATransparentPNGStaysAPNGAndReplacingRemovesTheOld() throws {
        let id = try scalar("SELECT id FROM campaigns WHERE slug = 'safe-third-country'")
        var logo = [UInt8](repeating: 0, count: 200 * 100 * 4)
        for i in 0..<(200 * 100) {
            logo[4 * i] = 200
            logo[4 * i + 3] = i % 200 < 100 ? 255 : 0
        }
        let png = try ImageCodec.encodePNG(Bitmap(width: 200, height: 100, channels: 4, pixels: logo))
        XCTAssertEqual(try upload("/admin/campaigns/\(id)/image", [("alt", "Our logo")], file: ("logo.png", png)).status, 303)
        let first = try XCTUnwrap(try site.app.database.read { try MediaStore.of($0, .campaigns, id: Int64(id)) })
        XCTAssertEqual(first.format, "png")
        let served = try site.get("/media/\(first.id)/logo-200.png")
        XCTAssertEqual(served.status, 200)
        XCTAssertTrue(try ImageCodec.decode(served.body).hasTransparency)
        XCTAssertTrue(try site.get("/campaigns/safe-third-country").text.contains("/media/\(first.id)/logo-200.png"))

        XCTAssertEqual(
            try upload("/admin/campaigns/\(id)/image", [("alt", "A new one")], file: ("new.jpg", try phonePhoto(width: 640, height: 480)))
                .status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM media"), 1, "the replaced picture is gone")
        XCTAssertEqual(try site.get("/media/\(first.id)/logo-200.png").status, 404, "and its files")

        let edit = try site.get("/admin/campaigns/\(id)/image", headers: cookie)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: edit.text))
        XCTAssertEqual(try site.post("/admin/campaigns/\(id)/image/remove", [("_csrf", csrf)], headers: cookie).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM media"), 0)
        XCTAssertFalse(try site.get("/campaigns/safe-third-country").text.contains("/media/"))
    }

    func testOnlyStaffWhoMayEditTheItemMayGiveItAPicture() throws {
        let id = try petitionID()
        let editor = try site.signIn("ed@example.org")
        XCTAssertEqual(try site.get("/admin/petitions/\(id)/image", headers: editor).status, 403)
        XCTAssertEqual(try site.get("/admin/petitions/\(id)/image").status, 303, "signed out: to the login page")
        XCTAssertEqual(try site.get("/admin/petitions/999999/image", headers: cookie).status, 404)
        let news = try scalar("SELECT id FROM news WHERE slug = 'welcome-here-toolkit'")
        XCTAssertEqual(
            try upload(
                "/admin/news/\(news)/image", [("alt", "A toolkit")], file: ("kit.jpg", try phonePhoto(width: 800, height: 600)), as: editor
            )
            .status, 303)
        let post = try site.get("/news/welcome-here-toolkit").text
        XCTAssertTrue(post.contains("class=\"hero-image\""))
        XCTAssertTrue(post.contains("<meta property=\"og:type\" content=\"article\">"))
        let list = try site.get("/news").text
        XCTAssertTrue(list.contains("<li class=\"news-item with-picture\">"), "the news list shows its picture small")
        XCTAssertTrue(list.contains("class=\"card-image\""))
        XCTAssertTrue(list.contains("<li class=\"news-item\">"), "and a post without one has no empty block")
        XCTAssertEqual(try site.get("/media/1/../../sanctuary.sqlite").status, 404)
        XCTAssertEqual(try site.get("/media/.new-x/a.jpg").status, 404)
    }
}

/// A newcomer's site has pictures from the first start.
final class SampleMediaTests: XCTestCase {
    func testTheSampleContentComesWithPicturesAndShareCards() throws {
        let site = try TestApp(sampleContent: true) { $0.loadSampleMedia = true }
        defer { site.stop() }
        let page = try site.get("/petitions/waive-travel-loans").text
        XCTAssertTrue(page.contains("class=\"hero-image\""))
        XCTAssertTrue(page.contains("Sanctuary sample art, CC0"))
        let card = try XCTUnwrap(page.range(of: #"/media/[0-9]+/travel-loan-share\.jpg"#, options: .regularExpression))
        XCTAssertEqual(try site.get(String(page[card])).status, 200)
        XCTAssertTrue(try site.get("/").text.contains("class=\"card-image\""), "cards show their pictures")
    }
}

/// Site settings (#19): name, tagline, accent colour, logo and default share card.
final class SiteSettingsTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.passwordCost = 10 }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
            try StaffStore.create(db, email: "ed@example.org", name: "", role: .editor, passwordHash: hash)
        }
    }

    override func tearDown() { site?.stop() }

    func save(_ fields: [(String, String)], as cookie: [(String, String)]) throws -> ClientResponse {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/settings", headers: cookie).text))
        return try site.post("/admin/settings", [("_csrf", token)] + fields, headers: cookie)
    }

    func testAdminsNameTheSiteSetItsTaglineAndAReadableAccent() throws {
        let cookie = try site.signIn("admin@example.org")
        let saved = try save(
            [
                ("title", "Council for Refugees"), ("tagline", "Rights for refugees, now."), ("tagline_fr", "Des droits, maintenant."),
                ("accent", "#7a1f5c"),
            ],
            as: cookie)
        XCTAssertEqual(saved.status, 303)
        let home = try site.get("/").text
        XCTAssertTrue(home.contains("<title>Council for Refugees</title>"))
        XCTAssertTrue(home.contains("<meta property=\"og:site_name\" content=\"Council for Refugees\">"))
        XCTAssertTrue(home.contains("<p class=\"lede\">Rights for refugees, now.</p>"))
        XCTAssertTrue(try site.get("/fr/").text.contains("<p class=\"lede\">Des droits, maintenant.</p>"))
        XCTAssertTrue(try site.get("/petitions").text.contains("<title>Petitions · Council for Refugees</title>"))
        XCTAssertTrue(home.contains("<link rel=\"stylesheet\" href=\"/theme/7a1f5c.css\">"))
        let theme = try site.get("/theme/7a1f5c.css")
        XCTAssertEqual(theme.status, 200)
        XCTAssertTrue(theme.text.contains("--brand: #7a1f5c;"))
        XCTAssertEqual(theme.header("Cache-Control"), "public, max-age=31536000, immutable")
        XCTAssertEqual(try site.get("/theme/zzzzzz.css").status, 404)
        let audit = try site.app.database.read { try StaffStore.recentAudit($0).map(\.subject) }
        XCTAssertTrue(audit.contains("site settings"))
    }

    func testAColourWhiteTextCannotBeReadOnIsRefusedAndNothingChanges() throws {
        let cookie = try site.signIn("admin@example.org")
        let refused = try save([("title", "Yellow site"), ("accent", "#ffdd00")], as: cookie)
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.text.contains("too light"), refused.text)
        XCTAssertFalse(try site.get("/").text.contains("Yellow site"), "nothing saved half way")
        XCTAssertEqual(try save([("accent", "not a colour")], as: cookie).status, 422)
        let editor = try site.signIn("ed@example.org")
        XCTAssertEqual(try site.get("/admin/settings", headers: editor).status, 403)
    }

    func testTheDefaultShareCardIsUsedWherePagesHaveNone() throws {
        let cookie = try site.signIn("admin@example.org")
        XCTAssertEqual(try site.get("/admin/settings/1/image", headers: cookie).status, 200)
        var pixels = [UInt8](repeating: 90, count: 1400 * 800 * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) { pixels[i] = 200 }
        let jpeg = try ImageCodec.encodeJPEG(Bitmap(width: 1400, height: 800, channels: 3, pixels: pixels))
        let response = try site.upload(
            "/admin/settings/1/image", [("alt", "Our banner at the march")], file: ("banner.jpg", jpeg), cookie: cookie)
        XCTAssertEqual(response.status, 303)
        XCTAssertEqual(response.header("Location"), "/admin/settings?saved=1")
        let petitions = try site.get("/petitions").text
        XCTAssertTrue(petitions.contains("banner-share.jpg"), "the site's card on a page without a picture")
        XCTAssertTrue(petitions.contains("<meta property=\"og:image:alt\" content=\"Our banner at the march\">"))
        XCTAssertEqual(try site.get("/admin/settings", headers: cookie).text.contains("banner-"), true)
    }

    /// The logo heads the site and the mailings' HTML, as an absolute address.
    func testTheLogoHeadsThePagesAndTheMailings() throws {
        let cookie = try site.signIn("admin@example.org")
        var pixels = [UInt8](repeating: 0, count: 240 * 80 * 4)
        for i in 0..<(240 * 80) {
            pixels[4 * i] = 29
            pixels[4 * i + 3] = 255
        }
        let png = try ImageCodec.encodePNG(Bitmap(width: 240, height: 80, channels: 4, pixels: pixels))
        XCTAssertEqual(
            try site.upload("/admin/logo/1/image", [("alt", "Our logo")], file: ("logo.png", png), cookie: cookie, fileType: "image/png")
                .status,
            303)
        let logo = try XCTUnwrap(try site.app.database.read { try MediaStore.of($0, .logo, id: 1) })
        XCTAssertTrue(try site.get("/").text.contains("class=\"logo\" src=\"/media/\(logo.id)/"))

        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/mailings/new", headers: cookie).text))
        let made = try site.post(
            "/admin/mailings",
            [
                ("_csrf", token), ("audience", "subscribers"), ("subject_en", "News"), ("body_en", "Hello."), ("subject_fr", ""),
                ("body_fr", ""),
            ],
            headers: cookie)
        XCTAssertEqual(made.status, 303)
        let id = try XCTUnwrap(made.header("Location")?.split(separator: "/").last?.split(separator: "?").first)
        let html = try site.get("/admin/mailings/\(id)/preview/en", headers: cookie).text
        XCTAssertTrue(html.contains("<img src=\"\(site.app.config.publicBaseURL)/media/\(logo.id)/"), html)
    }
}
