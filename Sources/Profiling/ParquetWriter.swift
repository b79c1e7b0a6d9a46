import Core
import Foundation

/// Writes a profile table as an Apache Parquet file that pandas/pyarrow read unchanged:
/// uncompressed PLAIN-encoded data pages (see `ParquetStreamWriter`); features as required
/// doubles, metadata columns typed as pandas types them when it reads the CSV twin: INT64
/// when every value is a plain integer (`Metadata_Count`, a numeric site), DOUBLE when every
/// value is a plain decimal number (`Metadata_Concentration`), otherwise UTF-8 strings; in
/// the table's column order (metadata first). NaN feature values are written as NaN
/// (Parquet doubles carry them).
///
/// Only the small subset of the format a profile table needs; the file metadata is
/// Thrift compact protocol, hand-encoded below.
public enum ParquetWriter {
    /// The file's bytes, as one row group. Columns named in `doubleMetadata` that would be
    /// INT64 are written as DOUBLE, so files of several plates (concentrations 10 in one, 0.1
    /// in another) share one schema when read as one dataset.
    public static func data(_ table: ProfileTable, doubleMetadata: Set<String> = []) throws -> Data {
        var file = Data()
        let sink = { (bytes: Data) in file.append(bytes) }
        let writer = try ParquetStreamWriter(metadata: columns(of: table, doubleMetadata: doubleMetadata),
                                             features: table.featureNames, featureType: .double,
                                             rowGroupRows: max(1, table.rowCount), output: { sink($0) })
        try append(table, to: writer)
        try writer.finish()
        return file
    }

    /// The metadata columns of `table` with the types their values give them.
    static func columns(of table: ProfileTable, doubleMetadata: Set<String>) -> [ParquetStreamWriter.Column] {
        table.metadataColumns.enumerated().map { c, name in
            var type = MetadataType(table.metadata.map { $0[c] })
            if type == .int64, doubleMetadata.contains(name) { type = .double }
            switch type {
            case .int64: return .init(name, .int64)
            case .double: return .init(name, .double)
            case .string: return .init(name, .utf8)
            }
        }
    }

    private static func append(_ table: ProfileTable, to writer: ParquetStreamWriter) throws {
        for r in 0..<table.rowCount { try writer.appendRow(metadata: table.metadata[r], features: table.row(r)) }
    }

    /// The Parquet type of a metadata column, from its values as pandas' CSV reader would
    /// infer it: numbers only when every value reads back to the same text (`7`, `-2`, `0.1`,
    /// `1e-05`), so `007`, `B02`, `1;2` or an empty value keep the column a string (pandas
    /// would read `007` as 7; a plate or site name keeps its zeros here).
    enum MetadataType: Equatable {
        case int64, double, string

        init(_ values: [String]) {
            guard !values.isEmpty else { self = .string; return }
            if values.allSatisfy({ v in Int64(v).map { String($0) == v } ?? false }) {
                self = .int64
            } else if values.allSatisfy(MetadataType.isPlainDecimal) {
                self = .double
            } else {
                self = .string
            }
        }

        /// `-`? digits (no leading zero unless alone) (`.` digits)? (e/E sign? digits)?, finite;
        /// bare digits only within Int64.
        static func isPlainDecimal(_ s: String) -> Bool {
            var u = Substring(s).utf8[...]
            if u.first == UInt8(ascii: "-") { u = u.dropFirst() }
            let digits = u.prefix { $0 >= 48 && $0 <= 57 }
            guard !digits.isEmpty, digits.count == 1 || digits.first != 48 else { return false }
            u = u.dropFirst(digits.count)
            // An integer too large for Int64 (a long barcode) would lose digits as a double.
            if u.isEmpty, Int64(s) == nil { return false }
            if u.first == UInt8(ascii: ".") {
                let frac = u.dropFirst().prefix { $0 >= 48 && $0 <= 57 }
                guard !frac.isEmpty else { return false }
                u = u.dropFirst(1 + frac.count)
            }
            if u.first == UInt8(ascii: "e") || u.first == UInt8(ascii: "E") {
                u = u.dropFirst()
                if u.first == UInt8(ascii: "-") || u.first == UInt8(ascii: "+") { u = u.dropFirst() }
                let exp = u.prefix { $0 >= 48 && $0 <= 57 }
                guard !exp.isEmpty else { return false }
                u = u.dropFirst(exp.count)
            }
            return u.isEmpty && (Double(s)?.isFinite ?? false)
        }
    }

    /// Writes `table` to `url` atomically.
    /// Row groups of `ParquetStreamWriter`'s default size, so the file's bytes are never all
    /// in memory.
    public static func write(_ table: ProfileTable, to url: URL, doubleMetadata: Set<String> = []) throws {
        let writer = try ParquetStreamWriter(url: url, metadata: columns(of: table, doubleMetadata: doubleMetadata),
                                             features: table.featureNames, featureType: .double)
        do {
            try append(table, to: writer)
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ v: T, to data: inout Data) {
        withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
    }
}

/// The Thrift compact protocol, writing side, for the handful of types Parquet's file
/// metadata uses. Field ids are written as deltas from the previous field of the same
/// struct, as the protocol requires.
struct ThriftCompact {
    var bytes = Data()
    private var lastField: [Int16] = [0]

    private mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    private func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    private mutating func field(_ id: Int16, _ type: UInt8) {
        let delta = id - lastField[lastField.count - 1]
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type)
        } else {
            bytes.append(type)
            varint(zigzag(Int64(id)))
        }
        lastField[lastField.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ v: Int32) { field(id, 5); varint(zigzag(Int64(v))) }
    mutating func i64(_ id: Int16, _ v: Int64) { field(id, 6); varint(zigzag(v)) }

    mutating func string(_ id: Int16, _ s: String) {
        field(id, 8)
        let utf8 = Array(s.utf8)
        varint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func beginStruct(_ id: Int16) { field(id, 12); lastField.append(0) }
    mutating func endStruct() { bytes.append(0); lastField.removeLast() }
    /// Closes the outermost struct (the message itself).
    mutating func stop() { bytes.append(0) }

    private mutating func listHeader(_ count: Int, _ elementType: UInt8) {
        if count < 15 { bytes.append(UInt8(count) << 4 | elementType) } else {
            bytes.append(0xF0 | elementType)
            varint(UInt64(count))
        }
    }

    /// A list of structs: follow with `count` pairs of `beginElement()` / `endStruct()`.
    mutating func beginList(_ id: Int16, count: Int) { field(id, 9); listHeader(count, 12) }
    mutating func beginElement() { lastField.append(0) }

    mutating func listOfI32(_ id: Int16, _ values: [Int32]) {
        field(id, 9)
        listHeader(values.count, 5)
        for v in values { varint(zigzag(Int64(v))) }
    }

    mutating func listOfStrings(_ id: Int16, _ values: [String]) {
        field(id, 9)
        listHeader(values.count, 8)
        for s in values {
            let utf8 = Array(s.utf8)
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
}
