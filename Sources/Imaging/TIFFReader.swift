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
/// non-image, several samples per pixel) becomes an `ImageIOError` naming the file. Every
/// size read from a header is checked, with overflow-safe arithmetic, against a pixel budget
/// (`maxPixels`, all pages of a file together) and, for uncompressed data, against the bytes
/// the file holds, before anything is allocated for it: a forged 100,000^2 header costs an
/// error, not gigabytes.
public enum TIFFReader {
    /// The default pixel budget of one file: 2^28 pixels (a 16,384^2 image, 1 GiB as Float).
    public static let defaultMaxPixels = 1 << 28

    /// Every page of the file as `Float` pixels (integers converted exactly up to 2^24).
    public static func readPages(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> [Image<Float>] {
        try withTIFF(url, maxPixels: maxPixels) { tif, errors in
            var pages: [Image<Float>] = [], budget = maxPixels
            repeat {
                let page = try readPage(tif, url: url, errors: errors, maxPixels: budget)
                budget -= page.pixels.count
                pages.append(page)
            } while TIFFReadDirectory(tif) == 1
            if let message = errors.first { throw ImageIOError(file: url.path, message) }
            return pages
        }
    }

    /// The page `url` selects (`file.tif#2`, `file.ome.tif#DNA`; see `TIFFPage`) as `Float`;
    /// a single-page file needs no selector, a multi-page file without one is an error.
    public static func readFloat(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> Image<Float> {
        try withTIFF(url, maxPixels: maxPixels) { tif, errors in
            try seekSelectedPage(tif, url: url, errors: errors)
            return try readPage(tif, url: url, errors: errors, maxPixels: maxPixels)
        }
    }

    /// The selected page (as `readFloat`) as 16-bit (8-bit files are widened unscaled; wider or float samples
    /// outside 0...65535, or fractional, are an error).
    public static func readUInt16(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> Image<UInt16> {
        try uint16(readFloat(url, maxPixels: maxPixels), file: url.path)
    }

    /// `f` as 16-bit pixels, or an error naming `file` and the first pixel that is negative,
    /// above 65535 or fractional.
    static func uint16(_ f: Image<Float>, file: String) throws -> Image<UInt16> {
        var out = Image<UInt16>(width: f.width, height: f.height, repeating: 0)
        for i in 0..<f.pixels.count {
            let v = f.pixels[i]
            guard v >= 0, v <= 65535, v == v.rounded() else {
                throw ImageIOError(file: file, "pixel \(i % f.width),\(i / f.width) is \(v), expected 16-bit integers")
            }
            out.pixels[i] = UInt16(v)
        }
        return out
    }

    /// The selected page (as `readFloat`) as a label image (integer samples of up to 32 bits).
    public static func readLabels(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> Image<Int32> {
        try withTIFF(url, maxPixels: maxPixels) { tif, errors in
            try seekSelectedPage(tif, url: url, errors: errors)
            let f = try readPage(tif, url: url, errors: errors, maxPixels: maxPixels, exactIntegers: true)
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

    static func withTIFF<T>(_ url: URL, maxPixels: Int, _ body: (OpaquePointer, ErrorLog) throws -> T) throws -> T {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ImageIOError(file: url.path, "file not found")
        }
        guard !isDirectory.boolValue else { throw ImageIOError(file: url.path, "is a directory, expected a TIFF file") }
        guard maxPixels > 0 else { throw ImageIOError(file: url.path, "pixel budget \(maxPixels); expected at least 1") }
        let log = ErrorLog()
        // No single libtiff buffer needs more than the budget's worth of 8-byte samples (and
        // tags and directories need a little whatever the budget).
        let (cap, overflow) = maxPixels.multipliedReportingOverflow(by: 8)
        guard let tif = ctiff_open(url.path, "r", log.record, overflow ? 0 : tmsize_t(max(cap, 16 << 20))) else {
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
    public static func readRawPages(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> [RawPage] {
        try withTIFF(url, maxPixels: maxPixels) { tif, errors in
            var pages: [RawPage] = [], budget = maxPixels
            repeat {
                let page = try decodePage(tif, url: url, errors: errors, maxPixels: budget)
                budget -= page.width * page.height
                pages.append(page)
            } while TIFFReadDirectory(tif) == 1
            if let message = errors.first { throw ImageIOError(file: url.path, message) }
            return pages
        }
    }

    /// Decodes the current page, refusing it when it has more than `maxPixels` pixels.
    static func decodePage(_ tif: OpaquePointer, url: URL, errors: ErrorLog, maxPixels: Int) throws -> RawPage {
        var width: UInt32 = 0, height: UInt32 = 0
        var bits: UInt16 = 1, samples: UInt16 = 1, format: UInt16 = 1, compression: UInt16 = 1
        _ = ctiff_get_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), &width)
        _ = ctiff_get_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), &height)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), &bits)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), &samples)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), &format)
        _ = ctiff_get_u16(tif, UInt32(TIFFTAG_COMPRESSION), &compression)
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
        // w and h are below 2^32, so w * h fits in Int64 only when checked.
        let (pixels, pixelOverflow) = w.multipliedReportingOverflow(by: h)
        guard !pixelOverflow, pixels <= maxPixels else {
            throw ImageIOError(file: url.path, "\(w)x\(h) pixels exceeds the pixel budget of \(maxPixels) (maxPixels)")
        }
        let byteCount = pixels * bytesPerSample   // at most 8 * maxPixels, which fits
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int
        if compression == 1, let fileSize, byteCount > fileSize {
            throw ImageIOError(file: url.path, "header says \(w)x\(h) uncompressed \(bits)-bit samples (\(byteCount) bytes) but the file holds \(fileSize) bytes (truncated or forged)")
        }
        let raw: [UInt8]
        if TIFFIsTiled(tif) != 0 {
            raw = try readTiles(tif, url: url, errors: errors, width: w, height: h, bytesPerSample: bytesPerSample, maxPixels: maxPixels)
        } else {
            raw = try readStrips(tif, url: url, errors: errors, byteCount: byteCount, compressedSize: fileSize)
        }
        if let message = errors.first { throw ImageIOError(file: url.path, message) }
        return RawPage(width: w, height: h, format: sampleFormat, bytes: raw)
    }

    /// A stripped page's `byteCount` bytes, strips decoded in place. The buffer starts at
    /// what the file's size makes plausible (16 times it, plus 1 MiB: real microscopy data
    /// compresses 1.5-3 times) and grows only as strips actually decode, so a compressed
    /// file whose header claims far more than its data holds fails before it costs the
    /// claimed size; ordinary files are decoded straight into a buffer of their final size.
    static func readStrips(_ tif: OpaquePointer, url: URL, errors: ErrorLog, byteCount: Int, compressedSize: Int?) throws -> [UInt8] {
        let strips = Int(TIFFNumberOfStrips(tif))
        let stripSize = Int(TIFFStripSize(tif))
        guard strips > 0, stripSize > 0, stripSize <= byteCount else {
            throw ImageIOError(file: url.path, "bad strip layout: \(strips) strips of \(stripSize) bytes for \(byteCount) bytes of pixels"
                               + (errors.first.map { ": \($0)" } ?? ""))
        }
        let (scaled, overflow) = (compressedSize ?? 0).multipliedReportingOverflow(by: 16)
        var raw = [UInt8](repeating: 0, count: overflow ? byteCount : min(byteCount, scaled + (1 << 20)))
        var filled = 0
        for s in 0..<strips where filled < byteCount {
            if raw.count - filled < stripSize, raw.count < byteCount {
                raw += [UInt8](repeating: 0, count: min(byteCount, max(2 * raw.count, filled + stripSize)) - raw.count)
            }
            let n = raw.withUnsafeMutableBytes { buf -> Int in
                Int(TIFFReadEncodedStrip(tif, UInt32(s), buf.baseAddress! + filled, tmsize_t(buf.count - filled)))
            }
            guard n >= 0 else {
                throw ImageIOError(file: url.path, "cannot read strip \(s) of \(strips) (truncated or corrupt)" + (errors.first.map { ": \($0)" } ?? ""))
            }
            filled += n
        }
        guard filled >= byteCount else {
            throw ImageIOError(file: url.path, "image data ends after \(filled) of \(byteCount) bytes (truncated)")
        }
        return raw
    }

    /// A tiled page: every tile decoded into one tile buffer and copied to its place. The
    /// tile geometry comes from the header, so it is checked before the buffer is made.
    static func readTiles(_ tif: OpaquePointer, url: URL, errors: ErrorLog, width w: Int, height h: Int,
                          bytesPerSample: Int, maxPixels: Int) throws -> [UInt8] {
        var tw: UInt32 = 0, th: UInt32 = 0
        _ = ctiff_get_u32(tif, UInt32(TIFFTAG_TILEWIDTH), &tw)
        _ = ctiff_get_u32(tif, UInt32(TIFFTAG_TILELENGTH), &th)
        let tileSize = Int(TIFFTileSize(tif))
        let (tilePixels, overflow) = Int(tw).multipliedReportingOverflow(by: Int(th))
        guard tw > 0, th > 0, !overflow, tilePixels <= maxPixels, tileSize >= tilePixels * bytesPerSample else {
            throw ImageIOError(file: url.path, "bad tile geometry: \(tw)x\(th) tiles of \(tileSize) bytes (at most \(maxPixels) pixels, \(bytesPerSample) bytes each)"
                               + (errors.first.map { ": \($0)" } ?? ""))
        }
        var raw = [UInt8](repeating: 0, count: w * h * bytesPerSample)
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
        return raw
    }

    static func readPage(_ tif: OpaquePointer, url: URL, errors: ErrorLog, maxPixels: Int, exactIntegers: Bool = false) throws -> Image<Float> {
        let page = try decodePage(tif, url: url, errors: errors, maxPixels: maxPixels)
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
