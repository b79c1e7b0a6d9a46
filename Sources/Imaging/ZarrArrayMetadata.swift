import Foundation

/// A zarr array's description: shape, chunking, sample type, compressor, fill value, memory
/// order and chunk keys. Decoded from a v2 `.zarray` as written by zarr-python 2 (and so by
/// ome-zarr-py for NGFF 0.4); a v3 `zarr.json` (NGFF 0.5) is decoded by `ZarrV3ArrayDocument`
/// and translated into the same description, so both read chunks through one path.
///
/// Decoding only parses; `ZarrArray` checks the sizes against each other and a pixel budget
/// before anything is allocated from them.
public struct ZarrArrayMetadata: Decodable, Sendable, Equatable {
    public var zarrFormat: Int
    public var shape: [Int]
    public var chunks: [Int]
    public var dtype: String
    public var compressor: ZarrCompressor?
    public var fillValue: ZarrFillValue
    /// "C" (last index fastest) or "F" (first index fastest).
    public var order: String
    /// Filters (delta, fixed-scale offset...) run before the compressor; none are supported.
    public var filters: [ZarrCompressor]?
    /// "." (flat chunk keys `0.1.2`) or "/" (nested folders `0/1/2`); "." when absent.
    public var dimensionSeparator: String
    /// The first part of every chunk key: "c" for zarr v3's default chunk key encoding
    /// (`c/0/1/2`), nil for v2 keys.
    public var chunkKeyPrefix: String?
    /// The document this was read from (`.zarray` or `zarr.json`), for error messages.
    public var documentName: String

    public init(zarrFormat: Int, shape: [Int], chunks: [Int], dtype: String, compressor: ZarrCompressor?,
                fillValue: ZarrFillValue, order: String = "C", filters: [ZarrCompressor]? = nil,
                dimensionSeparator: String, chunkKeyPrefix: String? = nil, documentName: String = ".zarray") {
        self.zarrFormat = zarrFormat; self.shape = shape; self.chunks = chunks; self.dtype = dtype
        self.compressor = compressor; self.fillValue = fillValue; self.order = order; self.filters = filters
        self.dimensionSeparator = dimensionSeparator; self.chunkKeyPrefix = chunkKeyPrefix; self.documentName = documentName
    }

    enum CodingKeys: String, CodingKey {
        case zarrFormat = "zarr_format", shape, chunks, dtype, compressor
        case fillValue = "fill_value", order, filters
        case dimensionSeparator = "dimension_separator"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        zarrFormat = try c.decode(Int.self, forKey: .zarrFormat)
        shape = try c.decode([Int].self, forKey: .shape)
        chunks = try c.decode([Int].self, forKey: .chunks)
        dtype = try c.decode(String.self, forKey: .dtype)
        compressor = try c.decodeIfPresent(ZarrCompressor.self, forKey: .compressor)
        fillValue = try c.decodeIfPresent(ZarrFillValue.self, forKey: .fillValue) ?? .none
        order = try c.decodeIfPresent(String.self, forKey: .order) ?? "C"
        filters = try c.decodeIfPresent([ZarrCompressor].self, forKey: .filters)
        dimensionSeparator = try c.decodeIfPresent(String.self, forKey: .dimensionSeparator) ?? "."
        chunkKeyPrefix = nil
        documentName = ".zarray"
    }
}

/// A zarr `fill_value` (v2 and v3 write it alike): what a chunk that was never written holds (zarr-python skips
/// writing chunks equal to it). JSON gives a number, null, or the strings "NaN",
/// "Infinity", "-Infinity" for floats.
public enum ZarrFillValue: Decodable, Sendable, Equatable {
    case none
    case number(Double)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .none; return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        switch try c.decode(String.self) {
        case "NaN": self = .number(.nan)
        case "Infinity": self = .number(.infinity)
        case "-Infinity": self = .number(-.infinity)
        case let other:
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "fill_value '\(other)' is not a number, null, NaN or +-Infinity")
        }
    }

    /// The pixel value of a missing chunk (zarr-python reads a null fill value as 0 for new arrays).
    public var value: Float {
        if case .number(let d) = self { return Float(d) }
        return 0
    }
}

/// A zarr v2 sample type (`dtype`, numpy's array-protocol string such as `<u2`, `>f4`, `|u1`).
public struct ZarrDataType: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case unsigned, signed, float }
    public var kind: Kind
    /// Bytes per sample: 1, 2, 4 or 8.
    public var size: Int
    public var bigEndian: Bool

    /// Parses `dtype`; nil for anything but 8-64-bit integers and 32/64-bit floats.
    public init?(_ dtype: String) {
        let chars = Array(dtype)
        guard chars.count >= 3, "<>|".contains(chars[0]), let size = Int(String(chars[2...])) else { return nil }
        switch (chars[1], size) {
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
        case ("f", 4), ("f", 8): kind = .float
        default: return nil
        }
        self.size = size
        bigEndian = chars[0] == ">"
    }

    public var description: String {
        (bigEndian ? ">" : "<") + (kind == .unsigned ? "u" : kind == .signed ? "i" : "f") + String(size)
    }
}
