import CTIFF
import Core
import Foundation

/// A pixel type that can be stored in a grayscale TIFF plane.
public protocol TIFFPixel: Sendable {
    /// TIFF SampleFormat: 1 unsigned integer, 2 signed integer, 3 IEEE float.
    static var tiffSampleFormat: UInt16 { get }
}
extension UInt8: TIFFPixel { public static var tiffSampleFormat: UInt16 { 1 } }
extension UInt16: TIFFPixel { public static var tiffSampleFormat: UInt16 { 1 } }
extension UInt32: TIFFPixel { public static var tiffSampleFormat: UInt16 { 1 } }
extension Int32: TIFFPixel { public static var tiffSampleFormat: UInt16 { 2 } }
extension Float: TIFFPixel { public static var tiffSampleFormat: UInt16 { 3 } }

/// How a TIFF is laid out on disk.
public struct TIFFWriteOptions: Sendable, Equatable {
    public enum Compression: String, Sendable, CaseIterable { case none, lzw, deflate }
    public var compression: Compression
    /// Square tiles of this size (a multiple of 16), or strips when nil.
    public var tileSize: Int?
    public var bigEndian: Bool
    /// ImageDescription of the first page, e.g. the OME-XML that makes the file an OME-TIFF.
    public var imageDescription: String?

    public init(compression: Compression = .none, tileSize: Int? = nil, bigEndian: Bool = false,
                imageDescription: String? = nil) {
        precondition(tileSize.map { $0 > 0 && $0 % 16 == 0 } ?? true, "TIFF tiles are multiples of 16")
        self.compression = compression
        self.tileSize = tileSize
        self.bigEndian = bigEndian
        self.imageDescription = imageDescription
    }
}

/// Writes grayscale TIFF files (one page per image) through libtiff, atomically: the file
/// appears under its name only once complete.
public enum TIFFWriter {
    /// Writes `pages` as a multi-page TIFF at `url`.
    public static func write<P: TIFFPixel>(_ pages: [Image<P>], to url: URL, options: TIFFWriteOptions = .init()) throws {
        precondition(!pages.isEmpty, "a TIFF needs at least one page")
        try AtomicFile.write(to: url) { tmp in
            let log = TIFFReader.ErrorLog()
            guard let tif = ctiff_open(tmp.path, options.bigEndian ? "wb" : "wl", log.record, 0) else {
                throw ImageIOError(file: url.path, "cannot create TIFF" + (log.first.map { " (\($0))" } ?? ""))
            }
            var closed = false
            defer { if !closed { TIFFClose(tif) } }
            for (i, page) in pages.enumerated() {
                if i == 0, let text = options.imageDescription {
                    _ = ctiff_set_string(tif, UInt32(TIFFTAG_IMAGEDESCRIPTION), text)
                }
                try writePage(page, tif: tif, options: options, url: url, log: log)
            }
            TIFFClose(tif)
            closed = true
            if let message = log.first { throw ImageIOError(file: url.path, message) }
        }
    }

    /// Writes one image as a single-page TIFF at `url`.
    public static func write<P: TIFFPixel>(_ image: Image<P>, to url: URL, options: TIFFWriteOptions = .init()) throws {
        try write([image], to: url, options: options)
    }

    static func writePage<P: TIFFPixel>(_ page: Image<P>, tif: OpaquePointer, options: TIFFWriteOptions, url: URL,
                                        log: TIFFReader.ErrorLog) throws {
        let bytes = MemoryLayout<P>.size
        let w = page.width, h = page.height
        _ = ctiff_set_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), UInt32(w))
        _ = ctiff_set_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), UInt32(h))
        _ = ctiff_set_u16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), UInt16(bytes * 8))
        _ = ctiff_set_u16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), 1)
        _ = ctiff_set_u16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), P.tiffSampleFormat)
        _ = ctiff_set_u16(tif, UInt32(TIFFTAG_PHOTOMETRIC), UInt16(PHOTOMETRIC_MINISBLACK))
        _ = ctiff_set_u16(tif, UInt32(TIFFTAG_PLANARCONFIG), UInt16(PLANARCONFIG_CONTIG))
        let compression: Int32
        switch options.compression {
        case .none: compression = COMPRESSION_NONE
        case .lzw: compression = COMPRESSION_LZW
        case .deflate: compression = COMPRESSION_ADOBE_DEFLATE
        }
        _ = ctiff_set_u16(tif, UInt32(TIFFTAG_COMPRESSION), UInt16(compression))
        if options.compression != .none && P.tiffSampleFormat != 3 {
            _ = ctiff_set_u16(tif, UInt32(TIFFTAG_PREDICTOR), UInt16(PREDICTOR_HORIZONTAL))
        }
        // libtiff swaps a big-endian file's samples in place while writing: give it a copy
        // (withUnsafeMutableBytes makes `pixels` unique, so the caller's image is untouched).
        var pixels = page.pixels
        try pixels.withUnsafeMutableBytes { src in
            if let t = options.tileSize {
                _ = ctiff_set_u32(tif, UInt32(TIFFTAG_TILEWIDTH), UInt32(t))
                _ = ctiff_set_u32(tif, UInt32(TIFFTAG_TILELENGTH), UInt32(t))
                var tile = [UInt8](repeating: 0, count: t * t * bytes)
                for ty in stride(from: 0, to: h, by: t) {
                    for tx in stride(from: 0, to: w, by: t) {
                        for i in tile.indices { tile[i] = 0 }
                        let rows = min(t, h - ty), cols = min(t, w - tx)
                        for r in 0..<rows {
                            let s = ((ty + r) * w + tx) * bytes
                            tile.withUnsafeMutableBytes { dst in
                                dst.baseAddress!.advanced(by: r * t * bytes).copyMemory(from: src.baseAddress!.advanced(by: s), byteCount: cols * bytes)
                            }
                        }
                        guard TIFFWriteTile(tif, &tile, UInt32(tx), UInt32(ty), 0, 0) >= 0 else {
                            throw ImageIOError(file: url.path, "cannot write tile at \(tx),\(ty)" + (log.first.map { ": \($0)" } ?? ""))
                        }
                    }
                }
            } else {
                // Strips of about 64 KB, as most writers use.
                let rowsPerStrip = max(1, min(h, 65_536 / max(1, w * bytes)))
                _ = ctiff_set_u32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), UInt32(rowsPerStrip))
                var strip = 0
                for y in stride(from: 0, to: h, by: rowsPerStrip) {
                    let rows = min(rowsPerStrip, h - y)
                    let n = tmsize_t(rows * w * bytes)
                    let p = src.baseAddress!.advanced(by: y * w * bytes)
                    guard TIFFWriteEncodedStrip(tif, UInt32(strip), p, n) >= 0 else {
                        throw ImageIOError(file: url.path, "cannot write strip \(strip)" + (log.first.map { ": \($0)" } ?? ""))
                    }
                    strip += 1
                }
            }
        }
        guard TIFFWriteDirectory(tif) == 1 else {
            throw ImageIOError(file: url.path, "cannot write the image directory" + (log.first.map { ": \($0)" } ?? ""))
        }
    }
}
