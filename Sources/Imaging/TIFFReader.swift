import CTIFF
import Foundation

/// One image plane of a TIFF file, with its pixels widened to the type asked for.
public enum TIFFSampleFormat: Sendable, Equatable {
    case unsigned(bits: Int)
    case signed(bits: Int)
    case float(bits: Int)
}

/// Reads grayscale TIFF files through libtiff: 8/16/32-bit unsigned, 16/32-bit signed and
/// 32/64-bit float samples; uncompressed, LZW, deflate, PackBits and the other codecs libtiff
/// has; strips or tiles; either byte order; every page of a multi-page file, or the one page
/// an image reference selects (`TIFFPage`).
///
/// libtiff's messages are captured instead of printed, and any problem (a truncated file, a
/// non-image, several samples per pixel) becomes an `ImageIOError` naming the file.
public enum TIFFReader {
    /// Every page of the file as `Float` pixels (integers converted exactly up to 2^24).
    public static func readPages(_ url: URL) throws -> [Image<Float>] {
        try withTIFF(url) { tif, errors in
            var pages: [Image<Float>] = []
            repeat {
                pages.append(try readPage(tif, url: url, errors: errors))
            } while TIFFReadDirectory(tif) == 1
            if let message = errors.first { throw ImageIOError(file: url.path, message) }
            return pages
        }
    }

    /// The page `url` selects (`file.tif#2`, `file.ome.tif#DNA`; see `TIFFPage`) as `Float`;
    /// a single-page file needs no selector, a multi-page file without one is an error.
    public static func readFloat(_ url: URL) throws -> Image<Float> {
        try withTIFF(url) { tif, errors in
            try seekSelectedPage(tif, url: url, errors: errors)
            return try readPage(tif, url: url, errors: errors)
        }
    }

    /// The selected page (as `readFloat`) as 16-bit (8-bit files are widened unscaled; wider or float samples
    /// outside 0...65535, or fractional, are an error).
    public static func readUInt16(_ url: URL) throws -> Image<UInt16> {
        let f = try readFloat(url)
        var out = Image<UInt16>(width: f.width, height: f.height, repeating: 0)
        for i in 0..<f.pixels.count {
            let v = f.pixels[i]
            guard v >= 0, v <= 65535, v == v.rounded() else {
                throw ImageIOError(file: url.path, "pixel \(i % f.width),\(i / f.width) is \(v), expected 16-bit integers")
            }
            out.pixels[i] = UInt16(v)
        }
        return out
    }

    /// The selected page (as `readFloat`) as a label image (integer samples of up to 32 bits).
    public static func readLabels(_ url: URL) throws -> Image<Int32> {
        try withTIFF(url) { tif, errors in
            try seekSelectedPage(tif, url: url, errors: errors)
            let f = try readPage(tif, url: url, errors: errors, exactIntegers: true)
            return f.map { Int32($0) }
        }
    }

    // MARK: libtiff plumbing

    /// libtiff's error record for one open file; lives at a fixed address for the handler.
    final class ErrorLog {
        let record = UnsafeMutablePointer<ctiff_errors>.allocate(capacity: 1)
        init() { record.initialize(to: ctiff_errors()) }
        deinit { record.deallocate() }
        var first: String? {
            guard record.pointee.count > 0 else { return nil }
            return withUnsafeBytes(of: record.pointee.first) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
    }

    static func withTIFF<T>(_ url: URL, _ body: (OpaquePointer, ErrorLog) throws -> T) throws -> T {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ImageIOError(file: url.path, "file not found")
        }
        let log = ErrorLog()
        guard let tif = ctiff_open(url.path, "r", log.record) else {
            throw ImageIOError(file: url.path, "not a readable TIFF" + (log.first.map { " (\($0))" } ?? ""))
        }
        defer { TIFFClose(tif) }
        return try body(tif, log)
    }

    /// One page's samples as stored (native byte order), before any conversion.
    public struct RawPage: Sendable {
        public var width: Int
        public var height: Int
        public var format: TIFFSampleFormat
        public var bytes: [UInt8]
    }

    /// Every page of the file, decoded but not converted: what a decode benchmark measures.
    public static func readRawPages(_ url: URL) throws -> [RawPage] {
        try withTIFF(url) { tif, errors in
            var pages: [RawPage] = []
            repeat { pages.append(try decodePage(tif, url: url, errors: errors)) } while TIFFReadDirectory(tif) == 1
            if let message = errors.first { throw ImageIOError(file: url.path, message) }
            return pages
        }
    }

    static func decodePage(_ tif: OpaquePointer, url: URL, errors: ErrorLog) throws -> RawPage {
        var width: UInt32 = 0, height: UInt32 = 0
        var bits: UInt16 = 1, samples: UInt16 = 1, format: UInt16 = 1, planar: UInt16 = 1
        _ = ctiff_get_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), &width)
        _ = ctiff_get_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), &height)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), &bits)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), &samples)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), &format)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_PLANARCONFIG), &planar)
        let w = Int(width), h = Int(height)
        guard w > 0, h > 0 else { throw ImageIOError(file: url.path, "image has no pixels (\(w)x\(h))") }
        guard samples == 1 else {
            throw ImageIOError(file: url.path, "\(samples) samples per pixel; expected one grayscale channel per file")
        }
        let sampleFormat: TIFFSampleFormat
        switch (format, bits) {
        case (1, 8), (1, 16), (1, 32): sampleFormat = .unsigned(bits: Int(bits))
        case (2, 8), (2, 16), (2, 32): sampleFormat = .signed(bits: Int(bits))
        case (3, 32), (3, 64): sampleFormat = .float(bits: Int(bits))
        default:
            throw ImageIOError(file: url.path, "\(bits)-bit samples of format \(format) are not supported (8/16/32-bit integer, 32/64-bit float)")
        }
        let bytesPerSample = Int(bits) / 8
        var raw = [UInt8](repeating: 0, count: w * h * bytesPerSample)
        if TIFFIsTiled(tif) != 0 {
            var tw: UInt32 = 0, th: UInt32 = 0
            _ = ctiff_get_u32(tif, UInt32(TIFFTAG_TILEWIDTH), &tw)
            _ = ctiff_get_u32(tif, UInt32(TIFFTAG_TILELENGTH), &th)
            let tileSize = Int(TIFFTileSize(tif))
            guard tw > 0, th > 0, tileSize > 0 else { throw ImageIOError(file: url.path, "bad tile geometry") }
            var tile = [UInt8](repeating: 0, count: tileSize)
            for ty in stride(from: 0, to: h, by: Int(th)) {
                for tx in stride(from: 0, to: w, by: Int(tw)) {
                    let n = TIFFReadTile(tif, &tile, UInt32(tx), UInt32(ty), 0, 0)
                    guard n > 0 else { throw ImageIOError(file: url.path, "cannot read tile at \(tx),\(ty)" + (errors.first.map { ": \($0)" } ?? "")) }
                    let rows = min(Int(th), h - ty), cols = min(Int(tw), w - tx)
                    for r in 0..<rows {
                        let src = r * Int(tw) * bytesPerSample
                        let dst = ((ty + r) * w + tx) * bytesPerSample
                        raw.replaceSubrange(dst..<(dst + cols * bytesPerSample), with: tile[src..<(src + cols * bytesPerSample)])
                    }
                }
            }
        } else {
            let strips = Int(TIFFNumberOfStrips(tif))
            var offset = 0
            for s in 0..<strips {
                let n = raw.withUnsafeMutableBytes { buf -> Int in
                    Int(TIFFReadEncodedStrip(tif, UInt32(s), buf.baseAddress! + offset, tmsize_t(buf.count - offset)))
                }
                guard n >= 0 else {
                    throw ImageIOError(file: url.path, "cannot read strip \(s) of \(strips) (truncated or corrupt)" + (errors.first.map { ": \($0)" } ?? ""))
                }
                offset += n
                if offset >= raw.count { break }
            }
            guard offset >= raw.count else {
                throw ImageIOError(file: url.path, "image data ends after \(offset) of \(raw.count) bytes (truncated)")
            }
        }
        if let message = errors.first { throw ImageIOError(file: url.path, message) }
        return RawPage(width: w, height: h, format: sampleFormat, bytes: raw)
    }

    static func readPage(_ tif: OpaquePointer, url: URL, errors: ErrorLog, exactIntegers: Bool = false) throws -> Image<Float> {
        let page = try decodePage(tif, url: url, errors: errors)
        let (w, h, sampleFormat, raw) = (page.width, page.height, page.format, page.bytes)
        var out = [Float](repeating: 0, count: w * h)
        raw.withUnsafeBytes { buf in
            switch sampleFormat {
            case .unsigned(8): for i in 0..<out.count { out[i] = Float(buf[i]) }
            case .unsigned(16): let p = buf.bindMemory(to: UInt16.self); for i in 0..<out.count { out[i] = Float(p[i]) }
            case .unsigned(_): let p = buf.bindMemory(to: UInt32.self); for i in 0..<out.count { out[i] = Float(p[i]) }
            case .signed(8): let p = buf.bindMemory(to: Int8.self); for i in 0..<out.count { out[i] = Float(p[i]) }
            case .signed(16): let p = buf.bindMemory(to: Int16.self); for i in 0..<out.count { out[i] = Float(p[i]) }
            case .signed(_): let p = buf.bindMemory(to: Int32.self); for i in 0..<out.count { out[i] = Float(p[i]) }
            case .float(32): let p = buf.bindMemory(to: Float.self); for i in 0..<out.count { out[i] = p[i] }
            case .float(_): let p = buf.bindMemory(to: Double.self); for i in 0..<out.count { out[i] = Float(p[i]) }
            }
        }
        if exactIntegers, case .unsigned(32) = sampleFormat {
            // Labels above 2^24 would not survive Float; check on the raw values.
            let p = raw.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
            if let big = p.first(where: { $0 > 1 << 24 }) {
                throw ImageIOError(file: url.path, "label \(big) is too large (at most 16,777,216 labels per site)")
            }
        }
        return Image(width: w, height: h, pixels: out)
    }
}
