import Core
import Foundation

/// Writes an Apache Parquet file a row group at a time, so a table too large to hold (a
/// plate's cells) goes to disk as it is made: rows are buffered column by column until
/// `rowGroupRows` of them are waiting, then written as one row group (one uncompressed
/// PLAIN data page per column chunk) and dropped. Memory holds one row group, whatever the
/// file's size. The footer (schema, every row group's column chunks) is written by `finish`.
///
/// Columns are required (no nulls): an undefined feature is written as NaN. Every column's
/// type is fixed when the writer is made, so files written for several plates share one
/// schema whatever values each plate holds. `ParquetWriter` writes whole tables with it.
public final class ParquetStreamWriter {
    /// A column's Parquet type (physical type; strings with the UTF8 logical type).
    public enum ColumnType: Int32, Sendable, Equatable {
        case int64 = 2, float = 4, double = 5, utf8 = 6
    }

    /// A column of the file.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        public init(_ name: String, _ type: ColumnType) { (self.name, self.type) = (name, type) }
    }

    public let columns: [Column]
    public let rowGroupRows: Int
    /// Rows appended so far.
    public private(set) var rowCount = 0

    private let metadataCount: Int
    private let output: (Data) throws -> Void
    private let file: AtomicFileStream?
    private var offset: Int64 = 0
    private var pending: [[UInt8]]
    private var pendingRows = 0
    private var rowGroups: [(chunks: [(offset: Int64, size: Int64)], rows: Int)] = []
    private var finished = false

    /// The default row group: about 8 MiB of float32 features (at least 256 rows, at most
    /// 16,384), so a row group of a 1,300-feature plate is some 1,600 cells.
    public static func defaultRowGroupRows(featureCount: Int) -> Int {
        min(16_384, max(256, (8 << 20) / max(1, 4 * featureCount)))
    }

    /// A writer into `url` (a temporary name until `finish`). `metadata` columns come first,
    /// then one column per name in `features`, all of `featureType` (`.float` or `.double`).
    public convenience init(url: URL, metadata: [Column], features: [String], featureType: ColumnType,
                            rowGroupRows: Int? = nil) throws {
        let file = try AtomicFileStream(url: url)
        try self.init(metadata: metadata, features: features, featureType: featureType,
                      rowGroupRows: rowGroupRows, file: file, output: { try file.write($0) })
    }

    /// A writer that hands the file's bytes to `output` in order (`ParquetWriter.data`).
    public convenience init(metadata: [Column], features: [String], featureType: ColumnType,
                            rowGroupRows: Int? = nil, output: @escaping (Data) throws -> Void) throws {
        try self.init(metadata: metadata, features: features, featureType: featureType,
                      rowGroupRows: rowGroupRows, file: nil, output: output)
    }

    private init(metadata: [Column], features: [String], featureType: ColumnType, rowGroupRows: Int?,
                 file: AtomicFileStream?, output: @escaping (Data) throws -> Void) throws {
        guard featureType == .float || featureType == .double else {
            throw ProfilingError("Parquet feature columns are float or double, not \(featureType)")
        }
        let rows = rowGroupRows ?? Self.defaultRowGroupRows(featureCount: features.count)
        guard rows >= 1 else { throw ProfilingError("Parquet row groups need at least one row, got \(rows)") }
        columns = metadata + features.map { Column($0, featureType) }
        metadataCount = metadata.count
        self.rowGroupRows = rows
        self.file = file
        self.output = output
        pending = Array(repeating: [], count: columns.count)
        try emit(Data("PAR1".utf8))
    }

    deinit { cancel() }

    /// Appends one row: its metadata values as text (an INT64 column's as an integer, a
    /// DOUBLE column's as a number; anything else is an error naming the column and value)
    /// and its features (`featureCount` values).
    public func appendRow<C: Collection>(metadata: [String], features: C) throws where C.Element == Double {
        guard !finished else { throw ProfilingError("Parquet row written after finish or cancel") }
        guard metadata.count == metadataCount, features.count == columns.count - metadataCount else {
            throw ProfilingError("Parquet row of \(metadata.count) metadata and \(features.count) feature values; the file has \(metadataCount) and \(columns.count - metadataCount)")
        }
        for (c, v) in metadata.enumerated() {
            switch columns[c].type {
            case .int64:
                guard let i = Int64(v) else { throw ProfilingError("column '\(columns[c].name)': expected an integer, found '\(v)'") }
                Self.append(i, to: &pending[c])
            case .double:
                guard let d = Double(v) else { throw ProfilingError("column '\(columns[c].name)': expected a number, found '\(v)'") }
                Self.append(d.bitPattern, to: &pending[c])
            case .float:
                guard let f = Float(v) else { throw ProfilingError("column '\(columns[c].name)': expected a number, found '\(v)'") }
                Self.append(f.bitPattern, to: &pending[c])
            case .utf8:
                let utf8 = Array(v.utf8)
                Self.append(UInt32(utf8.count), to: &pending[c])
                pending[c].append(contentsOf: utf8)
            }
        }
        var c = metadataCount
        if columns.last?.type == .float {
            for v in features { Self.append(Float(v).bitPattern, to: &pending[c]); c += 1 }
        } else {
            for v in features { Self.append(v.bitPattern, to: &pending[c]); c += 1 }
        }
        pendingRows += 1
        rowCount += 1
        if pendingRows == rowGroupRows { try flushRowGroup() }
    }

    /// Writes the rows still waiting and the footer; puts the file in place.
    public func finish() throws {
        guard !finished else { throw ProfilingError("Parquet file finished twice or after cancel") }
        // An empty table still gets one (empty) row group, so its schema reads back.
        if pendingRows > 0 || rowGroups.isEmpty { try flushRowGroup() }
        let footer = self.footer()
        try emit(footer)
        var tail = Data()
        ParquetWriter.appendLittleEndian(UInt32(footer.count), to: &tail)
        tail.append(Data("PAR1".utf8))
        try emit(tail)
        finished = true
        try file?.finish()
    }

    /// Drops the file (nothing is left at its name).
    public func cancel() {
        finished = true
        file?.cancel()
    }

    private func emit(_ data: Data) throws {
        try output(data)
        offset += Int64(data.count)
    }

    /// One row group: each column's pending values as one data page.
    private func flushRowGroup() throws {
        var chunks: [(offset: Int64, size: Int64)] = []
        for c in columns.indices {
            var header = ThriftCompact()
            header.i32(1, 0)                                  // type: DATA_PAGE
            header.i32(2, Int32(pending[c].count))            // uncompressed_page_size
            header.i32(3, Int32(pending[c].count))            // compressed_page_size
            header.beginStruct(5)                             // data_page_header
            header.i32(1, Int32(pendingRows))                 // num_values
            header.i32(2, 0)                                  // encoding: PLAIN
            header.i32(3, 3)                                  // definition_level_encoding: RLE
            header.i32(4, 3)                                  // repetition_level_encoding: RLE
            header.endStruct()
            header.stop()
            let start = offset
            try emit(header.bytes)
            try emit(Data(pending[c]))
            chunks.append((start, Int64(header.bytes.count + pending[c].count)))
            pending[c].removeAll(keepingCapacity: true)
        }
        rowGroups.append((chunks, pendingRows))
        pendingRows = 0
    }

    /// The file metadata (Thrift compact): schema, row groups, their column chunks.
    private func footer() -> Data {
        var meta = ThriftCompact()
        meta.i32(1, 1)                                        // version
        meta.beginList(2, count: columns.count + 1)          // schema
        meta.beginElement()
        meta.string(4, "schema")
        meta.i32(5, Int32(columns.count))                     // num_children
        meta.endStruct()
        for column in columns {
            meta.beginElement()
            meta.i32(1, column.type.rawValue)
            meta.i32(3, 0)                                    // repetition: REQUIRED
            meta.string(4, column.name)
            if column.type == .utf8 {
                meta.i32(6, 0)                                // converted_type: UTF8
                meta.beginStruct(10)                          // logicalType
                meta.beginStruct(1)                           // STRING
                meta.endStruct()
                meta.endStruct()
            }
            meta.endStruct()
        }
        meta.i64(3, Int64(rowCount))                          // num_rows
        meta.beginList(4, count: rowGroups.count)             // row_groups
        for group in rowGroups {
            meta.beginElement()
            meta.beginList(1, count: columns.count)           // columns
            for (column, chunk) in zip(columns, group.chunks) {
                meta.beginElement()
                meta.i64(2, chunk.offset)                     // file_offset
                meta.beginStruct(3)                           // meta_data
                meta.i32(1, column.type.rawValue)
                meta.listOfI32(2, [0])                        // encodings: PLAIN
                meta.listOfStrings(3, [column.name])          // path_in_schema
                meta.i32(4, 0)                                // codec: UNCOMPRESSED
                meta.i64(5, Int64(group.rows))                // num_values
                meta.i64(6, chunk.size)                       // total_uncompressed_size
                meta.i64(7, chunk.size)                       // total_compressed_size
                meta.i64(9, chunk.offset)                     // data_page_offset
                meta.endStruct()
                meta.endStruct()
            }
            meta.i64(2, group.chunks.reduce(0) { $0 + $1.size }) // total_byte_size
            meta.i64(3, Int64(group.rows))                    // num_rows
            meta.endStruct()
        }
        meta.string(6, "phenoscope")                          // created_by
        meta.stop()
        return meta.bytes
    }

    private static func append<T: FixedWidthInteger>(_ v: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
