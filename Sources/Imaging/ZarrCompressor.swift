import CBlosc
import CZlib
import CZstd
import Foundation

/// The `compressor` of a zarr v2 array (numcodecs' configuration: `{"id": "blosc", "cname":
/// "lz4", "shuffle": 1, ...}`), and the decoder of its chunks: zlib and gzip through zlib,
/// zstd through libzstd, blosc (any inner codec, any shuffle: both are in each chunk's own
/// header) through c-blosc 1.x, the format numcodecs' Blosc writes.
///
/// Every chunk decodes into a buffer of exactly the size the array's metadata gives a chunk;
/// a stream that would produce more (a decompression bomb) or less (truncated) is an error
/// naming the chunk file, and nothing beyond that size is ever allocated.
public struct ZarrCompressor: Decodable, Sendable, Equatable {
    /// numcodecs' codec id: "zlib", "gzip", "zstd", "blosc" are read.
    public var id: String
    /// Blosc's inner codec (informative: every blosc chunk names its own).
    public var cname: String?

    public init(id: String, cname: String? = nil) { self.id = id; self.cname = cname }

    /// The codec ids this reader decodes.
    public static let supported = ["zlib", "gzip", "zstd", "blosc"]

    /// Decodes one chunk file's bytes into exactly `byteCount` bytes.
    public func decode(_ source: [UInt8], byteCount: Int, file: String) throws -> [UInt8] {
        switch id {
        case "zlib", "gzip": return try Self.inflate(source, byteCount: byteCount, file: file)
        case "zstd": return try Self.zstd(source, byteCount: byteCount, file: file)
        case "blosc": return try Self.blosc(source, byteCount: byteCount, file: file)
        default:
            throw ImageIOError(file: file, "compressor '\(id)' is not supported (\(Self.supported.joined(separator: ", ")) or none)")
        }
    }

    /// Compresses one chunk's bytes as numcodecs would with this codec (zlib or gzip at
    /// `level`, zstd at `level`, blosc with `cname` and byte shuffle over `typeSize`-byte
    /// samples): what benchmarks write their stores with.
    public func encode(_ bytes: [UInt8], typeSize: Int, level: Int32 = 5) throws -> [UInt8] {
        switch id {
        case "zlib", "gzip":
            var stream = z_stream()
            // windowBits 15 (+16: gzip framing).
            guard deflateInit2_(&stream, level, Z_DEFLATED, id == "gzip" ? 31 : 15, 8, Z_DEFAULT_STRATEGY,
                                zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ImageIOError(file: id, "cannot start zlib")
            }
            defer { deflateEnd(&stream) }
            var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))))
            let status: Int32 = bytes.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                    stream.avail_in = UInt32(src.count)
                    stream.next_out = dst.baseAddress
                    stream.avail_out = UInt32(dst.count)
                    return deflate(&stream, Z_FINISH)
                }
            }
            guard status == Z_STREAM_END else { throw ImageIOError(file: id, "zlib compression failed (\(status))") }
            return Array(out.prefix(Int(stream.total_out)))
        case "zstd":
            let bound = ZSTD_compressBound(bytes.count)
            var out = [UInt8](repeating: 0, count: bound)
            let n = ZSTD_compress(&out, bound, bytes, bytes.count, level)
            guard ZSTD_isError(n) == 0 else { throw ImageIOError(file: id, String(cString: ZSTD_getErrorName(n))) }
            return Array(out.prefix(n))
        case "blosc":
            let bound = bytes.count + Int(BLOSC_MAX_OVERHEAD)
            var out = [UInt8](repeating: 0, count: bound)
            let n = blosc_compress_ctx(level, 1, typeSize, bytes.count, bytes, &out, bound, cname ?? "lz4", 0, 1)
            guard n > 0 else { throw ImageIOError(file: id, "blosc compression failed (\(n))") }
            return Array(out.prefix(Int(n)))
        default:
            throw ImageIOError(file: id, "compressor '\(id)' is not supported (\(Self.supported.joined(separator: ", ")) or none)")
        }
    }

    static func inflate(_ source: [UInt8], byteCount: Int, file: String) throws -> [UInt8] {
        guard source.count < Int(UInt32.max), byteCount < Int(UInt32.max) else {
            throw ImageIOError(file: file, "chunk of \(byteCount) bytes is too large for one zlib stream")
        }
        // One spare byte: a stream that fills it holds more than a chunk (a bomb).
        var out = [UInt8](repeating: 0, count: byteCount + 1)
        var stream = z_stream()
        // windowBits 15 + 32: zlib or gzip framing, detected from the header.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageIOError(file: file, "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        let status: Int32 = source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = UInt32(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(dst.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        let produced = Int(stream.total_out)
        if produced > byteCount {
            throw ImageIOError(file: file, "chunk decompresses to more than the \(byteCount) bytes a chunk holds (corrupt, or a decompression bomb)")
        }
        switch status {
        case Z_STREAM_END:
            guard produced == byteCount else {
                throw ImageIOError(file: file, "chunk decompresses to \(produced) bytes, expected \(byteCount)")
            }
            out.removeLast()
            return out
        case Z_BUF_ERROR:
            throw ImageIOError(file: file, "truncated compressed chunk (\(produced) of \(byteCount) bytes decoded)")
        default:
            let why = stream.msg.map { String(cString: $0) } ?? "status \(status)"
            throw ImageIOError(file: file, "corrupt zlib chunk (\(why))")
        }
    }

    static func zstd(_ source: [UInt8], byteCount: Int, file: String) throws -> [UInt8] {
        let declared = ZSTD_getFrameContentSize(source, source.count)
        if declared == ZSTD_CONTENTSIZE_ERROR {
            throw ImageIOError(file: file, "not a zstd frame (corrupt chunk)")
        }
        if declared != ZSTD_CONTENTSIZE_UNKNOWN, declared != UInt64(byteCount) {
            throw ImageIOError(file: file, "zstd frame holds \(declared) bytes, expected a chunk of \(byteCount)")
        }
        var out = [UInt8](repeating: 0, count: byteCount + 1)
        let produced = out.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, $0.count, source, source.count) }
        if ZSTD_isError(produced) != 0 {
            throw ImageIOError(file: file, "corrupt zstd chunk (\(String(cString: ZSTD_getErrorName(produced))))")
        }
        guard produced == byteCount else {
            throw ImageIOError(file: file, "chunk decompresses to \(produced > byteCount ? "more than" : "\(produced) bytes, expected") \(byteCount)\(produced > byteCount ? " bytes (corrupt, or a decompression bomb)" : "")")
        }
        out.removeLast()
        return out
    }

    static func blosc(_ source: [UInt8], byteCount: Int, file: String) throws -> [UInt8] {
        guard source.count >= Int(BLOSC_MIN_HEADER_LENGTH) else {
            throw ImageIOError(file: file, "truncated blosc chunk (\(source.count) bytes, less than its 16-byte header)")
        }
        var nbytes = 0
        // Checks the header's sizes against the bytes present: after it, decoding is memory safe.
        guard blosc_cbuffer_validate(source, source.count, &nbytes) == 0 else {
            var declared = 0, cbytes = 0, block = 0
            blosc_cbuffer_sizes(source, &declared, &cbytes, &block)
            throw ImageIOError(file: file, cbytes > source.count
                ? "truncated blosc chunk (header says \(cbytes) bytes, the file holds \(source.count))"
                : "corrupt blosc chunk (header not valid)")
        }
        guard nbytes == byteCount else {
            throw ImageIOError(file: file, "blosc chunk holds \(nbytes) bytes, expected a chunk of \(byteCount)\(nbytes > byteCount ? " (corrupt, or a decompression bomb)" : "")")
        }
        var out = [UInt8](repeating: 0, count: byteCount)
        let produced = out.withUnsafeMutableBytes { blosc_decompress_ctx(source, $0.baseAddress, $0.count, 1) }
        guard produced == byteCount else {
            throw ImageIOError(file: file, "corrupt blosc chunk (decoder returned \(produced))")
        }
        return out
    }
}
