import CPNG
import CZlib
import Core
import Foundation

/// PNG files: grayscale and RGB, with or without alpha (composites, thumbnails, annotated
/// nuclei).
///
/// Written as 8- or 16-bit gray or RGB with no filter per row and zlib compression. Read
/// through libpng: every bit depth, palettes (expanded to RGB), interlaced files, every
/// filter and chunk order; an alpha channel is read and dropped. Gray below 8 bits is
/// widened to 8.
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

    /// The largest decoded image accepted (bytes of decoded samples, 256 MiB: an 8,192^2
    /// RGBA image), so a forged header or a decompression bomb cannot make a small file
    /// allocate gigabytes.
    public static let maxDecodedBytes = 1 << 28

    public static func read(_ url: URL) throws -> Decoded {
        guard let data = try? Data(contentsOf: url) else { throw ImageIOError(file: url.path, "cannot read file") }
        return try decode(data, source: url.path)
    }

    /// Decodes a PNG through libpng (which checks chunk CRCs, zlib streams and header
    /// limits), refusing before any pixel buffer exists a header whose decoded size is over
    /// `maxDecodedBytes` or more than the file's bytes can inflate to (`CompressionBound`).
    public static func decode(_ data: Data, source: String = "<memory>") throws -> Decoded {
        var image = cpng_image()
        let status = data.withUnsafeBytes { raw in
            cpng_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, UInt64(maxDecodedBytes),
                        UInt64(CompressionBound.deflate.decodedBytes(fromCompressed: raw.count)), maxChunkBytes, &image)
        }
        defer { free(image.pixels) }
        guard status == 0, let pixels = image.pixels else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw ImageIOError(file: source, message.isEmpty ? "not a readable PNG" : message)
        }
        let width = Int(image.width), height = Int(image.height), depth = Int(image.bit_depth), channels = Int(image.channels)
        // Gray (+alpha) is one plane, RGB (+alpha) three; an alpha sample is dropped:
        // microscopy PNGs such as the Data Science Bowl's are RGBA with an opaque alpha.
        let colourPlanes = channels <= 2 ? 1 : 3
        let bytesPerSample = depth / 8, bpp = channels * bytesPerSample
        var planes = (0..<colourPlanes).map { _ in Image<UInt16>(width: width, height: height, repeating: 0) }
        for c in 0..<colourPlanes {
            planes[c].pixels.withUnsafeMutableBufferPointer { out in
                for i in 0..<(width * height) {
                    let at = i * bpp + c * bytesPerSample
                    out[i] = depth == 16 ? UInt16(pixels[at]) << 8 | UInt16(pixels[at + 1]) : UInt16(pixels[at])
                }
            }
        }
        return Decoded(width: width, height: height, bitDepth: depth, planes: planes)
    }

    /// The most one ancillary chunk (an ICC profile, compressed text) may decompress to.
    static let maxChunkBytes = 8 << 20
}

extension Data {
    mutating func append(bigEndian value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
