import Foundation
import Images
import XCTest

final class ImageCodecTests: XCTestCase {
    /// A picture with something to see: a gradient, a red square top left.
    func sample(width: Int = 64, height: Int = 48) -> Bitmap {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let red = x < width / 4 && y < height / 4
                pixels[i] = red ? 230 : UInt8(x * 255 / width)
                pixels[i + 1] = red ? 20 : UInt8(y * 255 / height)
                pixels[i + 2] = red ? 20 : 128
            }
        }
        return Bitmap(width: width, height: height, channels: 3, pixels: pixels)
    }

    func testJPEGRoundTripKeepsThePicture() throws {
        let jpeg = try ImageCodec.encodeJPEG(sample(), quality: 90)
        XCTAssertEqual(ImageFormat.sniff(jpeg), .jpeg)
        let back = try ImageCodec.decode(jpeg)
        XCTAssertEqual(back.width, 64)
        XCTAssertEqual(back.height, 48)
        XCTAssertGreaterThan(back.pixels[0], 180, "the red corner is still red")
        XCTAssertLessThan(back.pixels[1], 80)
    }

    func testPNGRoundTripIsExactAndKeepsTransparency() throws {
        var rgba = sample().withAlpha()
        rgba.pixels[3] = 0
        let png = try ImageCodec.encodePNG(rgba)
        XCTAssertEqual(ImageFormat.sniff(png), .png)
        let back = try ImageCodec.decode(png)
        XCTAssertEqual(back, rgba)
        XCTAssertTrue(back.hasTransparency)
        XCTAssertEqual(back.flattened().pixels[0], 255, "a transparent pixel on white is white")
    }

    func testTheAreaFilterAveragesWhatItCovers() {
        // 4×1 black-white-black-white → 2×1: two greys; 3 → 2: weights of 2/3 and 1/3.
        let stripes = Bitmap(width: 4, height: 1, channels: 3, pixels: [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255])
        XCTAssertEqual(stripes.resized(width: 2, height: 1).pixels, [128, 128, 128, 128, 128, 128])
        let three = Bitmap(width: 3, height: 1, channels: 3, pixels: [0, 0, 0, 255, 255, 255, 0, 0, 0])
        XCTAssertEqual(three.resized(width: 2, height: 1).pixels, [85, 85, 85, 85, 85, 85])
        XCTAssertEqual(stripes.resized(width: 8, height: 2), stripes, "never enlarged")
    }

    func testOrientationTurnsThePictureUpright() {
        // 2×1: red then blue. Orientation 6 (the camera was turned right): shown 1×2, red on top.
        let strip = Bitmap(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 0, 0, 255])
        let turned = strip.oriented(6)
        XCTAssertEqual([turned.width, turned.height], [1, 2])
        XCTAssertEqual(turned.pixels, [255, 0, 0, 0, 0, 255])
        let eight = strip.oriented(8)
        XCTAssertEqual(eight.pixels, [0, 0, 255, 255, 0, 0])
        XCTAssertEqual(strip.oriented(3).pixels, [0, 0, 255, 255, 0, 0])
        XCTAssertEqual(strip.oriented(1), strip)
    }

    func testBrokenAndForeignFilesAreRefusedNotCrashedOn() throws {
        let jpeg = try ImageCodec.encodeJPEG(sample())
        for cut in [3, 20, 200, jpeg.count / 2] {
            XCTAssertThrowsError(try ImageCodec.decode(Array(jpeg.prefix(cut))), "cut at \(cut)")
        }
        var png = try ImageCodec.encodePNG(sample())
        png[40] ^= 0xFF
        XCTAssertThrowsError(try ImageCodec.decode(png))
        XCTAssertThrowsError(try ImageCodec.decode(Array("RIFF\0\0\0\0WEBPVP8 ".utf8))) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .unsupported)
        }
        XCTAssertThrowsError(try ImageCodec.decode([]))
    }

    func testAHugePNGHeaderIsRefusedBeforeAnyPixelIsAllocated() throws {
        // A valid PNG claiming 100,000 × 100,000 pixels, with a token of data.
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return withUnsafeBytes(of: UInt32(data.count).bigEndian) { Array($0) } + body
                + withUnsafeBytes(of: crc32(body).bigEndian) { Array($0) }
        }
        var ihdr: [UInt8] = []
        for value in [UInt32(100_000), UInt32(100_000)] { ihdr += withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        ihdr += [8, 2, 0, 0, 0]
        let png: [UInt8] =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00])
            + chunk("IEND", [])
        XCTAssertThrowsError(try ImageCodec.decode(png)) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .tooLarge, "\(error)")
        }
    }

    /// `jpeg` with its frame header (SOF) claiming `width` × `height`.
    func claiming(_ jpeg: [UInt8], width: Int, height: Int) throws -> [UInt8] {
        var bytes = jpeg
        let sof = try XCTUnwrap(bytes.indices.dropLast().first { bytes[$0] == 0xFF && (bytes[$0 + 1] == 0xC0 || bytes[$0 + 1] == 0xC2) })
        bytes[sof + 5] = UInt8(height >> 8)
        bytes[sof + 6] = UInt8(height & 0xFF)
        bytes[sof + 7] = UInt8(width >> 8)
        bytes[sof + 8] = UInt8(width & 0xFF)
        return bytes
    }

    /// What an editor could upload to take the machine: a progressive JPEG of 65000 × 39000
    /// (which libjpeg would hold whole, coefficients and all, even when decoding at 1/8), a
    /// baseline one past 100 megapixels, and a small one of thousands of repeated scans. All
    /// are refused before the work starts, as too large.
    func testHostileJPEGsAreRefusedBeforeTheyCostMemoryOrTime() throws {
        let progressive = try ImageCodec.encodeJPEG(sample(width: 64, height: 48))
        XCTAssertTrue(
            progressive.indices.dropLast().contains { progressive[$0] == 0xFF && progressive[$0 + 1] == 0xC2 },
            "our encoder writes progressive")
        for hostile in [
            try claiming(progressive, width: 65000, height: 39000), try claiming(progressive, width: 9000, height: 9000),
        ] {
            XCTAssertThrowsError(try ImageCodec.decode(hostile, atLeast: (1600, 900))) { error in
                XCTAssertEqual((error as? ImageError)?.kind, .tooLarge, "\(error)")
            }
        }
        // Baseline: decoded scanline by scanline at a DCT scale, but read at full size.
        let baseline = try XCTUnwrap(Self.baselineJPEG)
        XCTAssertThrowsError(try ImageCodec.decode(try claiming(baseline, width: 12000, height: 9000), atLeast: (1600, 900))) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .tooLarge, "\(error)")
        }
        // Thousands of scans in a small file: the first scan (the DC one) again and again.
        let sos = try XCTUnwrap(progressive.indices.dropLast().first { progressive[$0] == 0xFF && progressive[$0 + 1] == 0xDA })
        var end = sos + 2 + (Int(progressive[sos + 2]) << 8 | Int(progressive[sos + 3]))
        while end + 1 < progressive.count,
            !(progressive[end] == 0xFF && progressive[end + 1] != 0x00 && !(0xD0...0xD7).contains(progressive[end + 1]))
        {
            end += 1
        }
        let firstScan = Array(progressive[sos..<end])
        var repeated = Array(progressive[..<end])
        for _ in 0..<2000 { repeated += firstScan }
        repeated += progressive[end...]
        XCTAssertThrowsError(try ImageCodec.decode(repeated)) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .tooLarge, "\(error)")
            XCTAssertTrue("\(error)".contains("too many scans"), "\(error)")
        }
        // An honest picture still decodes.
        XCTAssertEqual(try ImageCodec.decode(progressive).width, 64)
    }

    /// A tiny baseline JPEG (8 × 8 grey), written by libjpeg's cjpeg, as bytes.
    static let baselineJPEG = Data(
        base64Encoded:
            "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wAALCAAIAAgBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AVN//2Q=="
    ).map { [UInt8]($0) }

    func testALargeJPEGIsDecodedScaledByLibjpeg() throws {
        let big = try ImageCodec.encodeJPEG(sample(width: 1600, height: 1200))
        let small = try ImageCodec.decode(big, atLeast: (400, 300))
        XCTAssertEqual([small.width, small.height], [400, 300], "1/4 by DCT scaling")
        let enough = try ImageCodec.decode(big, atLeast: (500, 300))
        XCTAssertEqual([enough.width, enough.height], [800, 600], "never below what is needed")
    }

    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
