import CImageCodec

/// What an upload's first bytes say it is.
public enum ImageFormat: String, Sendable {
    case jpeg, png, webp, gif, heic

    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("GIF8".utf8)) { return .gif }
        if starts(Array("ftyp".utf8), at: 4) { return .heic }
        return nil
    }
}

public struct ImageError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case unsupported, tooLarge, damaged }
    public let kind: Kind
    public let description: String
}

/// Decoding and encoding through libjpeg and libpng (our C glue in `CImageCodec`). Every
/// picture is decoded to pixels and encoded again, so nothing but pixels survives: no EXIF,
/// GPS, XMP, ICC or comment, whatever the upload carried.
public enum ImageCodec {
    /// Pixels decoded at most (after JPEG's DCT scaling): 24 megapixels, 96 MB as RGBA, so
    /// that an upload with its copies stays within about 300 MB. A JPEG is also refused
    /// before decoding past 100 megapixels at full size, or a progressive one past 64 million
    /// samples, more than 64 scans, or 192 MB of libjpeg's own memory (`CImageCodec`).
    public static let maxPixels = 24_000_000

    /// Decodes a JPEG or PNG, turned upright by its EXIF orientation. A JPEG much larger than
    /// `atLeast` pixels wide and tall is decoded at 1/2, 1/4 or 1/8 by libjpeg itself (fast,
    /// and far less memory), never below `atLeast`.
    public static func decode(_ bytes: [UInt8], atLeast: (width: Int, height: Int) = (0, 0)) throws -> Bitmap {
        switch ImageFormat.sniff(bytes) {
        case .jpeg: return try decodeJPEG(bytes, atLeast: atLeast)
        case .png: return try decodePNG(bytes)
        case let other:
            throw ImageError(kind: .unsupported, description: "\(other?.rawValue ?? "this file") is not a JPEG or PNG")
        }
    }

    static func message(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func decodeJPEG(_ bytes: [UInt8], atLeast: (width: Int, height: Int)) throws -> Bitmap {
        var error = [CChar](repeating: 0, count: 256)
        var width: Int32 = 0
        var height: Int32 = 0
        guard sanctuary_jpeg_size(bytes, bytes.count, &width, &height, &error, error.count) == 0 else {
            throw ImageError(kind: .damaged, description: message(error))
        }
        var denominator: Int32 = 1
        // The largest scale that still leaves the picture at least as large as needed
        // (EXIF may turn it: compare the short and long sides).
        let needShort = min(atLeast.width, atLeast.height)
        let needLong = max(atLeast.width, atLeast.height)
        let short = Int(min(width, height))
        let long = Int(max(width, height))
        for candidate in [8, 4, 2] where short / candidate >= needShort && long / candidate >= needLong && needLong > 0 {
            denominator = Int32(candidate)
            break
        }
        var pixels: UnsafeMutablePointer<UInt8>?
        var orientation: Int32 = 1
        let status = sanctuary_jpeg_decode(
            bytes, bytes.count, denominator, maxPixels, &pixels, &width, &height, &orientation, &error, error.count)
        guard status == 0, let pixels else {
            throw ImageError(kind: status == 2 ? .tooLarge : .damaged, description: message(error))
        }
        defer { sanctuary_image_free(pixels) }
        let count = Int(width) * Int(height) * 3
        let bitmap = Bitmap(
            width: Int(width), height: Int(height), channels: 3, pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
        return bitmap.oriented(Int(orientation))
    }

    static func decodePNG(_ bytes: [UInt8]) throws -> Bitmap {
        var error = [CChar](repeating: 0, count: 256)
        var width: Int32 = 0
        var height: Int32 = 0
        var pixels: UnsafeMutablePointer<UInt8>?
        let status = sanctuary_png_decode(bytes, bytes.count, maxPixels, &pixels, &width, &height, &error, error.count)
        guard status == 0, let pixels else {
            throw ImageError(kind: status == 2 ? .tooLarge : .damaged, description: message(error))
        }
        defer { sanctuary_image_free(pixels) }
        let count = Int(width) * Int(height) * 4
        return Bitmap(width: Int(width), height: Int(height), channels: 4, pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// A progressive JPEG (transparency laid on white).
    public static func encodeJPEG(_ bitmap: Bitmap, quality: Int = 82) throws -> [UInt8] {
        let rgb = bitmap.flattened()
        var error = [CChar](repeating: 0, count: 256)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard
            sanctuary_jpeg_encode(
                rgb.pixels, Int32(rgb.width), Int32(rgb.height), Int32(min(100, max(1, quality))), &out, &size, &error, error.count)
                == 0, let out
        else { throw ImageError(kind: .damaged, description: message(error)) }
        defer { sanctuary_image_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    public static func encodePNG(_ bitmap: Bitmap) throws -> [UInt8] {
        let rgba = bitmap.withAlpha()
        var error = [CChar](repeating: 0, count: 256)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard sanctuary_png_encode(rgba.pixels, Int32(rgba.width), Int32(rgba.height), &out, &size, &error, error.count) == 0, let out
        else {
            throw ImageError(kind: .damaged, description: message(error))
        }
        defer { sanctuary_image_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
