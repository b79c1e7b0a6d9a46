/// The most bytes a compressed stream of a given codec can decode to, from the number of
/// compressed bytes it holds: what lets a decoder refuse a decompression bomb (a tiny file
/// whose header claims gigabytes) before it allocates the claimed size, because a claim that
/// the stream cannot possibly produce is forged or corrupt whatever the data says.
///
/// Each bound is derived from the codec's format, not measured, so no valid file exceeds it:
/// - deflate (zlib; TIFF compression 8 and 32946, PNG's IDAT): the longest match is 258
///   bytes and the shortest code for a match is 2 bits (a 1-bit length code for 258, which
///   has no extra bits, and a 1-bit distance code for distance 1), so one compressed byte
///   yields at most 4 * 258 = 1,032 bytes (zlib's documented 1032:1 limit; 10^8 zeros at
///   level 9 reach 1028.7:1).
/// - LZW (TIFF compression 5): every code is at least 9 bits and emits one table string;
///   each new table entry is an existing entry plus one byte, and libtiff's table has fewer
///   than 8,192 entries (4,096 plus its allowance for faulty encoders), so no string is
///   longer than 8,192 bytes: a byte yields at most 8/9 of a code, 8,192 * 8 / 9 < 7,282 bytes.
/// - PackBits (TIFF compression 32773): a run is a header byte and one value byte that
///   expands to at most 128 bytes, literals expand to less than they cost, so 64 per byte.
/// - no compression (TIFF compression 1): a byte is a byte.
/// Other codecs (JPEG, zstd, LZMA, WebP, ...) have no useful bound (zstd and LZMA reach ratios
/// of tens of thousands on blank planes): `decodedBytes` is nil, and their decoders must
/// grow their output as data actually decodes instead.
public struct CompressionBound: Sendable, Equatable {
    /// Decoded bytes per compressed byte at most.
    public let ratio: Int
    /// Decoded bytes a stream may add beyond `ratio` per byte (for the few bytes of a
    /// stream's own header, which the per-byte figure does not cover).
    public let slack: Int
    /// The codec's name, for messages.
    public let codec: String

    public static let deflate = CompressionBound(ratio: 1032, slack: 1032, codec: "deflate")
    public static let lzw = CompressionBound(ratio: 7282, slack: 8192, codec: "LZW")
    public static let packBits = CompressionBound(ratio: 64, slack: 128, codec: "PackBits")
    public static let none = CompressionBound(ratio: 1, slack: 0, codec: "uncompressed")

    /// The bound of a TIFF `Compression` tag value, or nil for a codec without a useful one.
    public init?(tiffCompression: UInt16) {
        switch tiffCompression {
        case 1: self = .none
        case 5: self = .lzw
        case 8, 32946: self = .deflate
        case 32773: self = .packBits
        default: return nil
        }
    }

    init(ratio: Int, slack: Int, codec: String) {
        self.ratio = ratio
        self.slack = slack
        self.codec = codec
    }

    /// The most `compressed` bytes can decode to, saturating at `Int.max` (a negative count
    /// counts as none).
    public func decodedBytes(fromCompressed compressed: Int) -> Int {
        let (product, overflow) = max(0, compressed).multipliedReportingOverflow(by: ratio)
        let (sum, overflow2) = product.addingReportingOverflow(slack)
        return overflow || overflow2 ? Int.max : sum
    }
}
