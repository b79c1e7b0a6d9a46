import Foundation

/// A zarr v3 array's `zarr.json` (what zarr-python 3 and ome-zarr-py >= 0.10 write for NGFF
/// 0.5), translated into the `ZarrArrayMetadata` the v2 reader uses, so chunks are located,
/// decoded and checked against the pixel budget by the same code.
///
/// Read: a regular chunk grid; chunk keys in the default encoding (`c/0/1/2`, or `c.0.1.2`
/// with the "." separator) or the "v2" one (`0.1.2`); the codec chain `bytes` (either
/// endianness) followed by at most one of `gzip`, `zstd`, `blosc`; integer and float data
/// types. Anything else (sharding, `transpose`, `crc32c`, storage transformers) is an error
/// naming it, never a silently wrong plane.
struct ZarrV3ArrayDocument: Decodable {
    var zarrFormat: Int
    var nodeType: String
    var shape: [Int]
    var dataType: String
    var chunkGrid: Extension
    var chunkKeyEncoding: Extension?
    var fillValue: ZarrFillValue?
    var codecs: [Extension]
    var storageTransformers: [Extension]?

    /// `{"name": ..., "configuration": {...}}`, the shape of every v3 extension point; only
    /// the configuration keys this reader uses are decoded.
    struct Extension: Decodable {
        var name: String
        var configuration: Configuration?
    }

    struct Configuration: Decodable {
        var chunkShape: [Int]?
        var separator: String?
        var endian: String?
        var cname: String?

        enum CodingKeys: String, CodingKey { case chunkShape = "chunk_shape", separator, endian, cname }
    }

    enum CodingKeys: String, CodingKey {
        case zarrFormat = "zarr_format", nodeType = "node_type", shape, dataType = "data_type", chunkGrid = "chunk_grid"
        case chunkKeyEncoding = "chunk_key_encoding", fillValue = "fill_value", codecs
        case storageTransformers = "storage_transformers"
    }

    /// The bytes-to-bytes codecs read, by their v3 names (the same decoders as v2's compressors).
    static let compressors = ["gzip", "zstd", "blosc"]

    /// The v2-style description of this array; `file` (the zarr.json) is named in errors.
    func metadata(file: String) throws -> ZarrArrayMetadata {
        func fail(_ message: String) -> ImageIOError { ImageIOError(file: file, message) }
        guard zarrFormat == 3 else { throw fail("zarr_format \(zarrFormat); expected 3 in zarr.json") }
        guard nodeType == "array" else { throw fail("node_type '\(nodeType)'; expected an array") }
        if let t = storageTransformers, !t.isEmpty {
            throw fail("storage_transformers (\(t.map(\.name).joined(separator: ", "))) are not supported; expected none")
        }
        guard chunkGrid.name == "regular", let chunks = chunkGrid.configuration?.chunkShape else {
            throw fail("chunk_grid '\(chunkGrid.name)'; expected 'regular' with configuration.chunk_shape")
        }
        let prefix: String?, separator: String
        switch chunkKeyEncoding?.name ?? "default" {
        case "default": (prefix, separator) = ("c", chunkKeyEncoding?.configuration?.separator ?? "/")
        case "v2": (prefix, separator) = (nil, chunkKeyEncoding?.configuration?.separator ?? ".")
        case let other: throw fail("chunk_key_encoding '\(other)'; expected 'default' or 'v2'")
        }
        var endian: String?, bytes = false, compressor: ZarrCompressor?
        for (i, codec) in codecs.enumerated() {
            switch codec.name {
            case "bytes":
                guard !bytes else { throw fail("codecs[\(i)]: a second 'bytes' codec") }
                (bytes, endian) = (true, codec.configuration?.endian)
            case let name where Self.compressors.contains(name):
                guard bytes else { throw fail("codecs[\(i)] '\(name)' comes before the 'bytes' codec") }
                guard compressor == nil else {
                    throw fail("codecs[\(i)] '\(name)' after '\(compressor?.id ?? "")'; one compressor (gzip, zstd or blosc) is read")
                }
                compressor = ZarrCompressor(id: name, cname: codec.configuration?.cname)
            case "sharding_indexed":
                throw fail("codec 'sharding_indexed' (sharded chunks) is not supported; write the array without shards")
            case let name:
                throw fail("codec '\(name)' is not supported (expected 'bytes', then at most one of \(Self.compressors.joined(separator: ", ")))")
            }
        }
        guard bytes else { throw fail("codecs has no 'bytes' codec; expected 'bytes', then at most one of \(Self.compressors.joined(separator: ", "))") }
        guard let dtype = Self.numpyType(dataType, endian: endian) else {
            throw fail("data_type '\(dataType)' with endian '\(endian ?? "none")' is not supported (int8-64, uint8-64, float32, float64; multi-byte types need endian little or big)")
        }
        return ZarrArrayMetadata(zarrFormat: 3, shape: shape, chunks: chunks, dtype: dtype, compressor: compressor,
                                 fillValue: fillValue ?? .none, dimensionSeparator: separator, chunkKeyPrefix: prefix,
                                 documentName: "zarr.json")
    }

    /// numpy's type string (`<u2`) for a v3 `data_type` (`uint16`) stored with `endian`;
    /// nil for other types, or a multi-byte type without a byte order.
    static func numpyType(_ name: String, endian: String?) -> String? {
        let kinds = [("uint", "u"), ("int", "i"), ("float", "f")]
        guard let (word, code) = kinds.first(where: { name.hasPrefix($0.0) }), let bits = Int(name.dropFirst(word.count)),
              bits % 8 == 0 else { return nil }
        let size = bits / 8
        let order: String
        switch (size, endian) {
        case (1, _): order = "|"
        case (_, "little"?): order = "<"
        case (_, "big"?): order = ">"
        default: return nil
        }
        let dtype = order + code + String(size)
        return ZarrDataType(dtype) == nil ? nil : dtype
    }
}
