/// Pixels in memory: 8 bits per channel, rows top to bottom, RGB (3 channels) or RGBA (4).
public struct Bitmap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (channels == 3 || channels == 4) && pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// True when some pixel is not fully opaque.
    public var hasTransparency: Bool {
        guard channels == 4 else { return false }
        return stride(from: 3, to: pixels.count, by: 4).contains { pixels[$0] != 255 }
    }

    /// RGB, transparent parts laid on `background` (a JPEG has no alpha).
    public func flattened(on background: (UInt8, UInt8, UInt8) = (255, 255, 255)) -> Bitmap {
        guard channels == 4 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let back = [Int(background.0), Int(background.1), Int(background.2)]
        for i in 0..<(width * height) {
            let alpha = Int(pixels[4 * i + 3])
            for c in 0..<3 {
                out[3 * i + c] = UInt8((Int(pixels[4 * i + c]) * alpha + back[c] * (255 - alpha) + 127) / 255)
            }
        }
        return Bitmap(width: width, height: height, channels: 3, pixels: out)
    }

    /// RGBA (opaque), for the PNG encoder.
    public func withAlpha() -> Bitmap {
        guard channels == 3 else { return self }
        var out = [UInt8](repeating: 255, count: width * height * 4)
        for i in 0..<(width * height) {
            out[4 * i] = pixels[3 * i]
            out[4 * i + 1] = pixels[3 * i + 1]
            out[4 * i + 2] = pixels[3 * i + 2]
        }
        return Bitmap(width: width, height: height, channels: 4, pixels: out)
    }

    /// A rectangle of the picture (clamped to it).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Bitmap {
        let x0 = min(max(0, x), width - 1)
        let y0 = min(max(0, y), height - 1)
        let w = min(max(1, w), width - x0)
        let h = min(max(1, h), height - y0)
        var out = [UInt8]()
        out.reserveCapacity(w * h * channels)
        for row in y0..<(y0 + h) {
            let start = (row * width + x0) * channels
            out.append(contentsOf: pixels[start..<(start + w * channels)])
        }
        return Bitmap(width: w, height: h, channels: channels, pixels: out)
    }

    /// The picture turned as EXIF orientation `orientation` (1–8) says it should be seen.
    public func oriented(_ orientation: Int) -> Bitmap {
        guard (2...8).contains(orientation) else { return self }
        let swaps = orientation >= 5
        let (w, h) = swaps ? (height, width) : (width, height)
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<h {
            for x in 0..<w {
                // Where the pixel shown at (x, y) is stored.
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (width - 1 - x, y)
                case 3: (sx, sy) = (width - 1 - x, height - 1 - y)
                case 4: (sx, sy) = (x, height - 1 - y)
                case 5: (sx, sy) = (y, x)
                case 6: (sx, sy) = (y, height - 1 - x)
                case 7: (sx, sy) = (width - 1 - y, height - 1 - x)
                default: (sx, sy) = (width - 1 - y, x)  // 8
                }
                let from = (sy * width + sx) * channels
                let to = (y * w + x) * channels
                for c in 0..<channels { out[to + c] = pixels[from + c] }
            }
        }
        return Bitmap(width: w, height: h, channels: channels, pixels: out)
    }

    /// Scaled down to `newWidth`×`newHeight` with an area filter: each output pixel is the
    /// mean of the input it covers, fractions of pixels weighted by how much of them it
    /// covers (in linear-ish 8-bit space). Sharp and free of the aliasing of sampling.
    /// Enlarging is not done: a size over the original returns the original.
    public func resized(width newWidth: Int, height newHeight: Int) -> Bitmap {
        let newWidth = max(1, min(newWidth, width))
        let newHeight = max(1, min(newHeight, height))
        if newWidth == width && newHeight == height { return self }
        let columns = Taps(from: width, to: newWidth)
        let rows = Taps(from: height, to: newHeight)
        let channels = self.channels
        let rowLength = newWidth * channels
        // Horizontal pass: height × newWidth, in Float. Flat tap tables and raw buffers: the
        // loops touch no reference counts (they once cost more than the arithmetic).
        var horizontal = [Float](repeating: 0, count: height * rowLength)
        pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { target in
                columns.start.withUnsafeBufferPointer { start in
                    columns.index.withUnsafeBufferPointer { index in
                        columns.weight.withUnsafeBufferPointer { weight in
                            for y in 0..<height {
                                let sourceRow = y * width * channels
                                let targetRow = y * rowLength
                                for x in 0..<newWidth {
                                    for c in 0..<channels {
                                        var sum: Float = 0
                                        for k in start[x]..<start[x + 1] {
                                            sum += Float(source[sourceRow + index[k] * channels + c]) * weight[k]
                                        }
                                        target[targetRow + x * channels + c] = sum
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Vertical pass: each output row the weighted sum of the rows it covers, a row at a time.
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
        var sums = [Float](repeating: 0, count: rowLength)
        horizontal.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                sums.withUnsafeMutableBufferPointer { sum in
                    for y in 0..<newHeight {
                        for i in 0..<rowLength { sum[i] = 0 }
                        for k in rows.start[y]..<rows.start[y + 1] {
                            let row = rows.index[k] * rowLength
                            let w = rows.weight[k]
                            for i in 0..<rowLength { sum[i] += source[row + i] * w }
                        }
                        let targetRow = y * rowLength
                        // Sums are never negative: truncating `sum + 0.5` rounds to nearest.
                        for i in 0..<rowLength { target[targetRow + i] = UInt8(min(255, max(0, Int(sum[i] + 0.5)))) }
                    }
                }
            }
        }
        return Bitmap(width: newWidth, height: newHeight, channels: channels, pixels: out)
    }

    /// For each output index, the input indices it covers and their weights, flat: output `i`
    /// reads `index[start[i]..<start[i + 1]]` with the same `weight`s (summing to 1).
    struct Taps {
        var start: [Int] = [0]
        var index: [Int] = []
        var weight: [Float] = []

        init(from size: Int, to newSize: Int) {
            for taps in Bitmap.contributions(from: size, to: newSize) {
                for tap in taps {
                    index.append(tap.index)
                    weight.append(tap.weight)
                }
                start.append(index.count)
            }
        }
    }

    /// For each output index, the input indices it covers and their weights (summing to 1).
    static func contributions(from size: Int, to newSize: Int) -> [[(index: Int, weight: Float)]] {
        let scale = Double(size) / Double(newSize)
        return (0..<newSize).map { i in
            let start = Double(i) * scale
            let end = start + scale
            var taps: [(index: Int, weight: Float)] = []
            var j = Int(start)
            while Double(j) < end && j < size {
                let covered = min(end, Double(j + 1)) - max(start, Double(j))
                if covered > 0 { taps.append((j, Float(covered / scale))) }
                j += 1
            }
            return taps
        }
    }
}
