import Core
import Foundation

/// Writes a profile table as an Apache Parquet file that pandas/pyarrow read unchanged:
/// one row group, one uncompressed PLAIN-encoded data page per column; features as required
/// doubles, metadata columns typed as pandas types them when it reads the CSV twin: INT64
/// when every value is a plain integer (`Metadata_Count`, a numeric site), DOUBLE when every
/// value is a plain decimal number (`Metadata_Concentration`), otherwise UTF-8 strings; in
/// the table's column order (metadata first). NaN feature values are written as NaN
/// (Parquet doubles carry them).
///
/// Only the small subset of the format a profile table needs; the file metadata is
/// Thrift compact protocol, hand-encoded below.
public enum ParquetWriter {
    /// The file's bytes. Columns named in `doubleMetadata` that would be INT64 are written as
    /// DOUBLE, so files of several plates (concentrations 10 in one, 0.1 in another) share one
    /// schema when read as one dataset.
    public static func data(_ table: ProfileTable, doubleMetadata: Set<String> = []) -> Data {
        var file = Data("PAR1".utf8)
        var chunks: [(name: String, type: Int32, offset: Int64, size: Int64)] = []
        let n = table.rowCount
        func addColumn(name: String, type: Int32, values: Data) {
            var header = ThriftCompact()
            header.i32(1, 0)                          // type: DATA_PAGE
            header.i32(2, Int32(values.count))        // uncompressed_page_size
            header.i32(3, Int32(values.count))        // compressed_page_size
            header.beginStruct(5)                     // data_page_header
            header.i32(1, Int32(n))                   // num_values
            header.i32(2, 0)                          // encoding: PLAIN
            header.i32(3, 3)                          // definition_level_encoding: RLE
            header.i32(4, 3)                          // repetition_level_encoding: RLE
            header.endStruct()
            header.stop()
            let offset = Int64(file.count)
            file.append(header.bytes)
            file.append(values)
            chunks.append((name, type, offset, Int64(header.bytes.count + values.count)))
        }
        for (c, name) in table.metadataColumns.enumerated() {
            let column = table.metadata.map { $0[c] }
            var values = Data()
            var type = MetadataType(column)
            if type == .int64, doubleMetadata.contains(name) { type = .double }
            switch type {
            case .int64:
                for v in column { appendLittleEndian(Int64(v) ?? 0, to: &values) }
                addColumn(name: name, type: 2, values: values)  // INT64
            case .double:
                for v in column { appendLittleEndian((Double(v) ?? .nan).bitPattern, to: &values) }
                addColumn(name: name, type: 5, values: values)  // DOUBLE
            case .string:
                for v in column {
                    let utf8 = Data(v.utf8)
                    appendLittleEndian(UInt32(utf8.count), to: &values)
                    values.append(utf8)
                }
                addColumn(name: name, type: 6, values: values)  // BYTE_ARRAY
            }
        }
        for (j, name) in table.featureNames.enumerated() {
            var values = Data(capacity: n * 8)
            for r in 0..<n { appendLittleEndian(table[r, j].bitPattern, to: &values) }
            addColumn(name: name, type: 5, values: values)  // DOUBLE
        }

        var meta = ThriftCompact()
        meta.i32(1, 1)                                    // version
        meta.beginList(2, count: chunks.count + 1)       // schema
        meta.beginElement()
        meta.string(4, "schema")
        meta.i32(5, Int32(chunks.count))                  // num_children
        meta.endStruct()
        for (c, chunk) in chunks.enumerated() {
            meta.beginElement()
            meta.i32(1, chunk.type)
            meta.i32(3, 0)                                // repetition: REQUIRED
            meta.string(4, chunk.name)
            if chunk.type == 6 {
                meta.i32(6, 0)                            // converted_type: UTF8
                meta.beginStruct(10)                      // logicalType
                meta.beginStruct(1)                       // STRING
                meta.endStruct()
                meta.endStruct()
            }
            meta.endStruct()
        }
        meta.i64(3, Int64(n))                             // num_rows
        meta.beginList(4, count: 1)                       // row_groups
        meta.beginElement()
        meta.beginList(1, count: chunks.count)            // columns
        for chunk in chunks {
            meta.beginElement()
            meta.i64(2, chunk.offset)                     // file_offset
            meta.beginStruct(3)                           // meta_data
            meta.i32(1, chunk.type)
            meta.listOfI32(2, [0])                        // encodings: PLAIN
            meta.listOfStrings(3, [chunk.name])           // path_in_schema
            meta.i32(4, 0)                                // codec: UNCOMPRESSED
            meta.i64(5, Int64(n))                         // num_values
            meta.i64(6, chunk.size)                       // total_uncompressed_size
            meta.i64(7, chunk.size)                       // total_compressed_size
            meta.i64(9, chunk.offset)                     // data_page_offset
            meta.endStruct()
            meta.endStruct()
        }
        meta.i64(2, chunks.reduce(0) { $0 + $1.size })    // total_byte_size
        meta.i64(3, Int64(n))                             // num_rows
        meta.endStruct()
        meta.string(6, "phenoscope")                      // created_by
        meta.stop()
        file.append(meta.bytes)
        appendLittleEndian(UInt32(meta.bytes.count), to: &file)
        file.append(Data("PAR1".utf8))
        return file
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
    public static func write(_ table: ProfileTable, to url: URL, doubleMetadata: Set<String> = []) throws {
        try AtomicFile.write(data(table, doubleMetadata: doubleMetadata), to: url)
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
