import CZlib
import Core
import Foundation

/// PNG files: 8- and 16-bit grayscale and RGB, with or without alpha (composites,
/// thumbnails, annotated nuclei).
///
/// Written with no filter per row and zlib compression; read with every filter type
/// (None, Sub, Up, Average, Paeth) and every chunk order a conforming writer produces; an
/// alpha channel is read and dropped. Interlaced files and palettes are refused with a
/// one-line error.
public enum PNGCodec {
    /// The pixels of a PNG: gray planes widened to `UInt16`, or RGB as three planes.
    public struct Decoded: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var bitDepth: Int
        /// One plane for gray, three (R, G, B) for colour; alpha is not kept.
        public var planes: [Image<UInt16>]
    }

    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    // MARK: writing

    public static func write(gray image: Image<UInt8>, to url: URL) throws {
        try AtomicFile.write(encode(width: image.width, height: image.height, colorType: 0, bitDepth: 8) { y, row in
            for x in 0..<image.width { row.append(image.pixels[y * image.width + x]) }
        }, to: url)
    }

    public static func write(gray image: Image<UInt16>, to url: URL) throws {
        try AtomicFile.write(encode(width: image.width, height: image.height, colorType: 0, bitDepth: 16) { y, row in
            for x in 0..<image.width {
                let v = image.pixels[y * image.width + x]
                row.append(UInt8(v >> 8)); row.append(UInt8(v & 0xFF))
            }
        }, to: url)
    }

    /// Writes three 8-bit planes as an RGB PNG.
    public static func write(red: Image<UInt8>, green: Image<UInt8>, blue: Image<UInt8>, to url: URL) throws {
        try AtomicFile.write(rgbData(red: red, green: green, blue: blue), to: url)
    }

    /// The bytes of an RGB PNG (for HTTP responses as well as files).
    public static func rgbData(red: Image<UInt8>, green: Image<UInt8>, blue: Image<UInt8>) -> Data {
        precondition(red.width == green.width && red.width == blue.width && red.height == green.height && red.height == blue.height)
        return encode(width: red.width, height: red.height, colorType: 2, bitDepth: 8) { y, row in
            for x in 0..<red.width {
                let i = y * red.width + x
                row.append(red.pixels[i]); row.append(green.pixels[i]); row.append(blue.pixels[i])
            }
        }
    }

    static func encode(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, row: (Int, inout [UInt8]) -> Void) -> Data {
        var raw: [UInt8] = []
        let channels = colorType == 2 ? 3 : 1
        raw.reserveCapacity(height * (1 + width * channels * Int(bitDepth) / 8))
        for y in 0..<height { raw.append(0); row(y, &raw) }
        var out = Data(signature)
        var ihdr = Data()
        ihdr.append(bigEndian: UInt32(width)); ihdr.append(bigEndian: UInt32(height))
        ihdr.append(contentsOf: [bitDepth, colorType, 0, 0, 0])
        appendChunk("IHDR", ihdr, to: &out)
        appendChunk("IDAT", deflate(raw), to: &out)
        appendChunk("IEND", Data(), to: &out)
        return out
    }

    static func appendChunk(_ type: String, _ body: Data, to out: inout Data) {
        out.append(bigEndian: UInt32(body.count))
        let typeAndBody = Data(type.utf8) + body
        out.append(typeAndBody)
        let crc = typeAndBody.withUnsafeBytes { crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
        out.append(bigEndian: UInt32(crc))
    }

    static func deflate(_ raw: [UInt8]) -> Data {
        var size = compressBound(uLong(raw.count))
        var buffer = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&buffer, &size, raw, uLong(raw.count), 6)
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        return Data(buffer.prefix(Int(size)))
    }

    // MARK: reading

    /// The largest decoded image accepted (bytes of filtered rows), so a forged header cannot
    /// make a small file allocate gigabytes.
    public static let maxDecodedBytes = 1 << 30

    public static func read(_ url: URL) throws -> Decoded {
        guard let data = try? Data(contentsOf: url) else { throw ImageIOError(file: url.path, "cannot read file") }
        return try decode(data, source: url.path)
    }

    public static func decode(_ data: Data, source: String = "<memory>") throws -> Decoded {
        let bytes = [UInt8](data)
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw ImageIOError(file: source, "not a PNG file") }
        var pos = 8
        var width = 0, height = 0, depth = 0, colorType = 0
        var idat: [UInt8] = []
        var sawEnd = false
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        while pos + 8 <= bytes.count {
            let length = be32(pos)
            let type = String(decoding: bytes[(pos + 4)..<(pos + 8)], as: UTF8.self)
            guard pos + 12 + length <= bytes.count else { throw ImageIOError(file: source, "truncated \(type) chunk") }
            let body = Array(bytes[(pos + 8)..<(pos + 8 + length)])
            switch type {
            case "IHDR":
                guard length == 13 else { throw ImageIOError(file: source, "bad IHDR") }
                width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                depth = Int(body[8]); colorType = Int(body[9])
                guard body[12] == 0 else { throw ImageIOError(file: source, "interlaced PNGs are not supported") }
            case "IDAT": idat += body
            case "IEND": sawEnd = true
            default: break
            }
            pos += 12 + length
            if sawEnd { break }
        }
        guard sawEnd else { throw ImageIOError(file: source, "truncated PNG (no IEND chunk)") }
        guard width > 0, height > 0 else { throw ImageIOError(file: source, "missing or empty IHDR") }
        // Samples per pixel, and how many of them are colour (an alpha sample is dropped:
        // microscopy PNGs such as the Data Science Bowl's are RGBA with an opaque alpha).
        let channels: Int, colourPlanes: Int
        switch (colorType, depth) {
        case (0, 8), (0, 16): (channels, colourPlanes) = (1, 1)
        case (4, 8), (4, 16): (channels, colourPlanes) = (2, 1)
        case (2, 8), (2, 16): (channels, colourPlanes) = (3, 3)
        case (6, 8), (6, 16): (channels, colourPlanes) = (4, 3)
        default: throw ImageIOError(file: source, "colour type \(colorType) at \(depth) bits is not supported (8/16-bit gray, gray+alpha, RGB, RGBA)")
        }
        let bpp = channels * depth / 8
        // The header's size is hostile until checked: overflow-free, and within a budget.
        let (stride, o1) = width.multipliedReportingOverflow(by: bpp)
        let (rawCount, o2) = height.multipliedReportingOverflow(by: stride + 1)
        guard !o1, !o2, rawCount <= maxDecodedBytes else {
            throw ImageIOError(file: source, "header size \(width)x\(height) is over the \(maxDecodedBytes >> 20) MiB decode budget")
        }
        var raw = [UInt8](repeating: 0, count: rawCount)
        var size = uLong(raw.count)
        let status = uncompress(&raw, &size, idat, uLong(idat.count))
        guard status == Z_OK, Int(size) == raw.count else { throw ImageIOError(file: source, "corrupt or truncated image data") }
        var pixels = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            let line = y * (stride + 1) + 1
            for x in 0..<stride {
                let a = x >= bpp ? Int(pixels[y * stride + x - bpp]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + x]) : 0
                let c = (x >= bpp && y > 0) ? Int(pixels[(y - 1) * stride + x - bpp]) : 0
                let v = Int(raw[line + x])
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                default: throw ImageIOError(file: source, "bad row filter \(filter) in row \(y)")
                }
                pixels[y * stride + x] = UInt8((v + predicted) & 0xFF)
            }
        }
        var planes = (0..<colourPlanes).map { _ in Image<UInt16>(width: width, height: height, repeating: 0) }
        for i in 0..<(width * height) {
            for c in 0..<colourPlanes {
                planes[c].pixels[i] = depth == 16
                    ? UInt16(pixels[i * bpp + 2 * c]) << 8 | UInt16(pixels[i * bpp + 2 * c + 1])
                    : UInt16(pixels[i * bpp + c])
            }
        }
        return Decoded(width: width, height: height, bitDepth: depth, planes: planes)
    }
}

extension Data {
    mutating func append(bigEndian value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
