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
/// (`maxPixels`, all pages of a file together) and, strip by strip or tile by tile, against
/// what the compressed bytes the file holds can decode to (`CompressionBound`), before
/// anything is allocated for it; pages grow as they decode. A forged 100,000^2 header or a
/// 126-byte deflate "bomb" claiming 16,000^2 costs an error, not gigabytes.
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

    /// What the current page's header says, every size in it checked (`StrileLayout`)
    /// without decoding a pixel: what `decodePage` decodes and what `manifest check` asks.
    struct PageHeader {
        var width: Int
        var height: Int
        var format: TIFFSampleFormat
        var bytesPerSample: Int
        var byteCount: Int
        var layout: StrileLayout
    }

    /// The current page's header, refused when it has more than `maxPixels` pixels or sizes
    /// its data cannot hold.
    static func pageHeader(_ tif: OpaquePointer, url: URL, errors: ErrorLog, maxPixels: Int) throws -> PageHeader {
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
        let layout = try StrileLayout(tif, url: url, errors: errors, width: w, height: h, bytesPerSample: bytesPerSample,
                                      byteCount: byteCount, maxPixels: maxPixels, compression: compression, fileSize: fileSize)
        return PageHeader(width: w, height: h, format: sampleFormat, bytesPerSample: bytesPerSample, byteCount: byteCount, layout: layout)
    }

    /// Decodes the current page, refusing it when it has more than `maxPixels` pixels.
    static func decodePage(_ tif: OpaquePointer, url: URL, errors: ErrorLog, maxPixels: Int) throws -> RawPage {
        let page = try pageHeader(tif, url: url, errors: errors, maxPixels: maxPixels)
        let raw = page.layout.tiled
            ? try readTiles(tif, url: url, errors: errors, layout: page.layout, width: page.width, height: page.height,
                            bytesPerSample: page.bytesPerSample)
            : try readStrips(tif, url: url, errors: errors, layout: page.layout, byteCount: page.byteCount)
        if let message = errors.first { throw ImageIOError(file: url.path, message) }
        return RawPage(width: page.width, height: page.height, format: page.format, bytes: raw)
    }

    /// A page's strips or tiles ("striles"), checked from the header before any pixel buffer
    /// exists: each one's decoded size against what its compressed bytes (as many as the
    /// file holds) can produce under the codec's `CompressionBound`. A decompression bomb, a
    /// few hundred bytes claiming a gigabyte, fails here with an error, not an allocation.
    struct StrileLayout {
        var tiled: Bool
        var count: Int
        /// Decoded bytes of one full strile, and of one of its rows (scanline or tile row).
        var size: Int
        var rowSize: Int
        var tileWidth = 0, tileHeight = 0
        /// nil for a codec without a useful bound: its striles are decoded growing.
        var bound: CompressionBound?

        init(_ tif: OpaquePointer, url: URL, errors: ErrorLog, width w: Int, height h: Int, bytesPerSample: Int,
             byteCount: Int, maxPixels: Int, compression: UInt16, fileSize: Int?) throws {
            tiled = TIFFIsTiled(tif) != 0
            bound = CompressionBound(tiffCompression: compression)
            func context() -> String { errors.first.map { ": \($0)" } ?? "" }
            if tiled {
                var tw: UInt32 = 0, th: UInt32 = 0
                _ = ctiff_get_u32(tif, UInt32(TIFFTAG_TILEWIDTH), &tw)
                _ = ctiff_get_u32(tif, UInt32(TIFFTAG_TILELENGTH), &th)
                size = Int(TIFFTileSize(tif))
                rowSize = Int(TIFFTileRowSize(tif))
                count = Int(TIFFNumberOfTiles(tif))
                let (tilePixels, overflow) = Int(tw).multipliedReportingOverflow(by: Int(th))
                guard tw > 0, th > 0, !overflow, tilePixels <= maxPixels, size >= tilePixels * bytesPerSample, rowSize > 0, count > 0 else {
                    throw ImageIOError(file: url.path, "bad tile geometry: \(tw)x\(th) tiles of \(size) bytes (at most \(maxPixels) pixels, \(bytesPerSample) bytes each)" + context())
                }
                (tileWidth, tileHeight) = (Int(tw), Int(th))
            } else {
                count = Int(TIFFNumberOfStrips(tif))
                size = Int(TIFFStripSize(tif))
                rowSize = Int(TIFFScanlineSize(tif))
                guard count > 0, size > 0, size <= byteCount, rowSize > 0 else {
                    throw ImageIOError(file: url.path, "bad strip layout: \(count) strips of \(size) bytes for \(byteCount) bytes of pixels" + context())
                }
            }
            guard let bound else { return }
            let kind = tiled ? "tile" : "strip"
            for i in 0..<count {
                // A strip holds its share of the page; the last one may be short. Tiles are
                // always whole (edge tiles are padded).
                let decoded = tiled ? size : min(size, max(0, byteCount - i * size))
                guard decoded > 0 else { break }
                let stored = Int(clamping: TIFFGetStrileByteCount(tif, UInt32(i)))
                let present = min(stored, fileSize ?? stored)
                let most = bound.decodedBytes(fromCompressed: present)
                guard decoded <= most else {
                    throw ImageIOError(file: url.path, "\(kind) \(i) of \(count) should decode to \(decoded) bytes but its \(present) \(bound.codec) bytes can decode to at most \(most) (decompression bomb, or a forged or corrupt header)")
                }
            }
        }

        /// `buffer` lengthened to `count` bytes, its storage exactly that large (an append
        /// alone could double it past the page's size).
        static func grow(_ buffer: inout [UInt8], to count: Int) {
            buffer.reserveCapacity(count)
            buffer += repeatElement(0, count: count - buffer.count)
        }

        /// Decodes strile `index` into `buffer` from `offset`, `expected` bytes, growing
        /// `buffer` (never beyond `limit` bytes) only as far as decoding needs: a codec with
        /// a bound was checked at `init`, so its strile gets its full size; one without is
        /// decoded into a buffer sized from its compressed bytes, and again into one 8 times
        /// larger only while the smaller one fills up (the data really holds that much), so a
        /// forged size costs what the data decodes to, at most about 1.14 times the decoding.
        func decode(_ tif: OpaquePointer, index: Int, expected: Int, into buffer: inout [UInt8], at offset: Int, limit: Int,
                    url: URL, errors: ErrorLog) throws -> Int {
            var want = expected
            if bound == nil {
                let stored = Int(clamping: TIFFGetStrileByteCount(tif, UInt32(index)))
                let guess = max(1 << 20, CompressionBound.deflate.decodedBytes(fromCompressed: stored))
                // Whole rows, so that a row-oriented codec (JPEG) is not asked for part of one.
                want = min(expected, max(rowSize, guess / rowSize * rowSize))
            }
            while true {
                let needed = offset + want
                if buffer.count < needed { Self.grow(&buffer, to: min(limit, max(2 * buffer.count, needed))) }
                let n = buffer.withUnsafeMutableBytes { buf -> Int in
                    let at = buf.baseAddress! + offset
                    return Int(tiled ? TIFFReadEncodedTile(tif, UInt32(index), at, tmsize_t(want))
                                     : TIFFReadEncodedStrip(tif, UInt32(index), at, tmsize_t(want)))
                }
                guard n >= 0 else {
                    throw ImageIOError(file: url.path, "cannot read \(tiled ? "tile" : "strip") \(index) of \(count) (truncated or corrupt)" + (errors.first.map { ": \($0)" } ?? ""))
                }
                if n < want || want >= expected { return n }
                want = min(expected, want.multipliedReportingOverflow(by: 8).overflow ? expected : want * 8)
            }
        }
    }

    /// A stripped page's `byteCount` bytes, strips decoded in place into a buffer that grows
    /// as they decode (see `StrileLayout.decode`), so a file whose strips fail early costs
    /// what it decoded, not the claimed size.
    static func readStrips(_ tif: OpaquePointer, url: URL, errors: ErrorLog, layout: StrileLayout, byteCount: Int) throws -> [UInt8] {
        var raw: [UInt8] = [], filled = 0
        for s in 0..<layout.count where filled < byteCount {
            filled += try layout.decode(tif, index: s, expected: min(layout.size, byteCount - filled), into: &raw, at: filled,
                                        limit: byteCount, url: url, errors: errors)
        }
        guard filled >= byteCount else {
            throw ImageIOError(file: url.path, "image data ends after \(filled) of \(byteCount) bytes (truncated)")
        }
        return raw
    }

    /// A tiled page: every tile decoded into one tile buffer and copied to its place; the
    /// page grows one row of tiles at a time, as they decode.
    static func readTiles(_ tif: OpaquePointer, url: URL, errors: ErrorLog, layout: StrileLayout, width w: Int, height h: Int,
                          bytesPerSample: Int) throws -> [UInt8] {
        let (tw, th) = (layout.tileWidth, layout.tileHeight)
        var raw: [UInt8] = []
        var tile: [UInt8] = []
        for ty in stride(from: 0, to: h, by: th) {
            let rows = min(th, h - ty)
            let needed = (ty + rows) * w * bytesPerSample
            if raw.count < needed { StrileLayout.grow(&raw, to: min(w * h * bytesPerSample, max(2 * raw.count, needed))) }
            for tx in stride(from: 0, to: w, by: tw) {
                let index = Int(TIFFComputeTile(tif, UInt32(tx), UInt32(ty), 0, 0))
                let n = try layout.decode(tif, index: index, expected: layout.size, into: &tile, at: 0, limit: layout.size, url: url, errors: errors)
                guard n >= layout.size else {
                    throw ImageIOError(file: url.path, "tile at \(tx),\(ty) ends after \(n) of \(layout.size) bytes (truncated)")
                }
                let cols = min(tw, w - tx)
                for r in 0..<rows {
                    let src = r * tw * bytesPerSample
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
