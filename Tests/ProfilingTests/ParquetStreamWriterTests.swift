import Core
import Foundation
import Screen
import XCTest
@testable import Profiling

/// The streamed Parquet writer: a file written a row group at a time holds the same values
/// whatever the row-group size, and the single-cell file `ScreenMeasurement` streams holds
/// exactly the plate's `.npy` values and cells-CSV metadata (what the file built whole from
/// those two held before, features now float32).
final class ParquetStreamWriterTests: XCTestCase {
    private let meta: [ParquetStreamWriter.Column] = [.init("Metadata_Plate", .utf8), .init("Metadata_Site", .int64),
                                                      .init("Metadata_Concentration", .double)]

    private func rows(_ n: Int) -> [(meta: [String], features: [Double])] {
        var out: [(meta: [String], features: [Double])] = []
        for r in 0..<n {
            let x = Double(r)
            let meta: [String] = ["P\(r % 3)", String(r + 1), r % 2 == 0 ? "10" : "0.1"]
            let last: Double = r == 4 ? .nan : 1e-3 * x * x
            out.append((meta, [x * 0.1, -x / 3, last]))
        }
        return out
    }

    private func written(_ rows: [(meta: [String], features: [Double])], groupRows: Int?, type: ParquetStreamWriter.ColumnType = .float) throws -> Data {
        var out = Data()
        let writer = try ParquetStreamWriter(metadata: meta, features: ["f1", "f2", "f3"], featureType: type,
                                             rowGroupRows: groupRows, output: { out.append($0) })
        for r in rows { try writer.appendRow(metadata: r.meta, features: r.features) }
        try writer.finish()
        return out
    }

    func testRowGroupBoundariesDoNotChangeValues() throws {
        let all = rows(10)
        let whole = try ParquetPages(try written(all, groupRows: nil), columns: meta.map(\.type) + [.float, .float, .float])
        XCTAssertEqual(whole.rowGroups, 1)
        for k in [1, 3, 4, 9, 10] {
            let split = try ParquetPages(try written(all, groupRows: k), columns: meta.map(\.type) + [.float, .float, .float])
            XCTAssertEqual(split.rowGroups, (10 + k - 1) / k, "row groups of \(k)")
            XCTAssertEqual(split.columns, whole.columns, "row groups of \(k)")
        }
        // The values themselves: metadata typed, features float32 (NaN kept).
        XCTAssertEqual(whole.columns[0], all.map { .text($0.meta[0]) })
        XCTAssertEqual(whole.columns[1], all.indices.map { .int(Int64($0 + 1)) })
        XCTAssertEqual(whole.columns[2], all.map { .number(Double($0.meta[2])!) })
        for j in 0..<3 {
            XCTAssertEqual(whole.columns[3 + j], all.map { .float(Float($0.features[j]).bitPattern) })
        }
    }

    /// One row group with double features is the whole-table writer's file, byte for byte.
    func testOneRowGroupIsTheWholeTableFile() throws {
        let all = rows(5)
        let table = ProfileTable(metadataColumns: meta.map(\.name), metadata: all.map(\.meta),
                                 featureNames: ["f1", "f2", "f3"], features: all.flatMap(\.features))
        XCTAssertEqual(try written(all, groupRows: 5, type: .double),
                       try ParquetWriter.data(table, doubleMetadata: ["Metadata_Concentration"]))
    }

    func testBadMetadataNamesTheColumn() throws {
        let writer = try ParquetStreamWriter(metadata: meta, features: ["f"], featureType: .float, output: { _ in })
        XCTAssertThrowsError(try writer.appendRow(metadata: ["P", "two", "1"], features: [0.0])) {
            XCTAssertEqual("\($0)", "column 'Metadata_Site': expected an integer, found 'two'")
        }
        XCTAssertThrowsError(try writer.appendRow(metadata: ["P", "2"], features: [0.0]))
    }

    /// `ScreenMeasurement` on a small synthetic plate (cells written as they are measured,
    /// row groups of the default size and of 7 cells): the Parquet holds the `.npy`'s float32
    /// values and the cells CSV's metadata in the same order, typed by the screen's metadata
    /// definition; a plate whose concentrations are all whole numbers still gets DOUBLE.
    func testStreamedSingleCellFileHoldsTheNpyAndCSV() throws {
        var layout = ScreenLayout.standard(plates: 1, sitesPerWell: 1, seed: 5)
        layout.wells = Array(layout.wells.prefix(3))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parquetstream-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SyntheticScreen(layout: layout, width: 128, height: 128, defectRate: 0, seed: 5).write(to: dir)
        let manifest = try Manifest.load(dir.appendingPathComponent("manifest.csv"))
        let masks = try MaskIndex.load(dir.appendingPathComponent("ground_truth/masks.csv"))
        var m = ScreenMeasurement()
        m.options.families = [.intensity, .shape]
        let cells = dir.appendingPathComponent("cells")
        let result = try m.run(manifest: manifest, masks: masks, cellDirectory: cells)
        let plate = try XCTUnwrap(manifest.rows.first?.plate)
        let npy = try NPYArray.read(cells.appendingPathComponent("\(plate).npy"))
        let values = npy.floats()
        let csv = try CSVTable(contentsOf: cells.appendingPathComponent("\(plate)_cells.csv"))
        let n = result.wells.featureCount
        XCTAssertEqual(csv.rows.count, result.cellCount)
        XCTAssertEqual(values.count, result.cellCount * n)
        XCTAssertGreaterThan(result.cellCount, 7)
        let types = ScreenMeasurement.singleCellColumns.map(\.type)
        XCTAssertEqual(types, [.utf8, .utf8, .int64, .int64, .double, .double, .utf8, .utf8, .double, .utf8])
        let file = try Data(contentsOf: cells.appendingPathComponent("\(plate)_cells.parquet"))
        let pages = try ParquetPages(file, columns: types + Array(repeating: .float, count: n))
        for c in 0..<types.count {
            let expected: [ParquetPages.Value] = csv.rows.map { row in
                switch types[c] {
                case .utf8: return .text(row[c])
                case .int64: return .int(Int64(row[c])!)
                default: return .number(Double(row[c])!)
                }
            }
            XCTAssertEqual(pages.columns[c], expected, ScreenMeasurement.singleCellColumns[c].name)
        }
        for j in 0..<n {
            XCTAssertEqual(pages.columns[types.count + j], (0..<result.cellCount).map { .float(values[$0 * n + j].bitPattern) })
        }
        // Smaller row groups: the same columns.
        var resplit = Data()
        let writer = try ParquetStreamWriter(metadata: ScreenMeasurement.singleCellColumns, features: (0..<n).map { "f\($0)" },
                                             featureType: .float, rowGroupRows: 7, output: { resplit.append($0) })
        for (r, row) in csv.rows.enumerated() { try writer.appendRow(metadata: row, features: values[r * n ..< (r + 1) * n].map(Double.init)) }
        try writer.finish()
        let again = try ParquetPages(resplit, columns: types + Array(repeating: .float, count: n))
        XCTAssertEqual(again.rowGroups, (result.cellCount + 6) / 7)
        XCTAssertEqual(again.columns, pages.columns)
    }
}

/// The screen stages' streamed reading and writing of profile CSVs: the same table as the
/// whole-file parse, and the collected file as `concatenating(...).write`.
final class ProfileTableStreamingTests: XCTestCase {
    func testStreamedReadAndConcatenationMatchTheWholeTable() throws {
        for name in ["wells.csv", "featsel.csv", "treatments.csv"] {
            let url = Fixtures.url(name)
            let whole = try ProfileTable(csv: CSVTable(contentsOf: url), allowMissing: true)
            let streamed = try ProfileTable(contentsOf: url, allowMissing: true)
            // Bit patterns, so NaN (a missing value) compares equal to itself.
            XCTAssertEqual(streamed.features.map(\.bitPattern), whole.features.map(\.bitPattern), name)
            XCTAssertEqual(streamed.metadata, whole.metadata, name)
            XCTAssertEqual(streamed.metadataColumns + streamed.featureNames, whole.metadataColumns + whole.featureNames, name)
            XCTAssertEqual(streamed.rowOrigins, whole.rowOrigins, name)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("collect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wells = try Fixtures.table("wells.csv")
        let half = wells.rowCount / 2
        let a = dir.appendingPathComponent("a.csv"), b = dir.appendingPathComponent("b.csv")
        try wells.selectingRows(Array(0..<half)).write(to: a)
        try wells.selectingRows(Array(half..<wells.rowCount)).write(to: b)
        let streamed = dir.appendingPathComponent("s.csv"), held = dir.appendingPathComponent("h.csv")
        try ProfileTable.concatenateFiles([a, b], to: streamed)
        try ProfileTable.concatenating([ProfileTable(contentsOf: a), ProfileTable(contentsOf: b)]).write(to: held)
        XCTAssertEqual(try Data(contentsOf: streamed), try Data(contentsOf: held))
        XCTAssertEqual(try ProfileTable(contentsOf: streamed).features, wells.features)
        // A plate with other columns is refused by name, and nothing is left at the target.
        let other = dir.appendingPathComponent("o.csv")
        try wells.selectingFeatures([0]).write(to: other)
        let target = dir.appendingPathComponent("t.csv")
        XCTAssertThrowsError(try ProfileTable.concatenateFiles([a, other], to: target)) {
            XCTAssertTrue("\($0)".contains("o.csv") && "\($0)".contains("feature columns differ"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }
}

/// Reads back the files `ParquetStreamWriter` writes (uncompressed PLAIN required pages, in
/// file order: row group by row group, column by column), independently of the writer: each
/// page header is parsed as a generic Thrift compact struct, and the values decoded from the
/// column types the caller expects. Counts row groups by when the first column comes round.
struct ParquetPages {
    enum Value: Equatable { case text(String), int(Int64), number(Double), float(UInt32)
        static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case let (.text(x), .text(y)): return x == y
            case let (.int(x), .int(y)): return x == y
            case let (.number(x), .number(y)): return x.bitPattern == y.bitPattern
            case let (.float(x), .float(y)): return x == y
            default: return false
            }
        }
    }

    var columns: [[Value]]
    var rowGroups = 0

    init(_ data: Data, columns types: [ParquetStreamWriter.ColumnType]) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 12, bytes.prefix(4) == [80, 65, 82, 49], bytes.suffix(4) == [80, 65, 82, 49] else {
            throw ProfilingError("not a Parquet file")
        }
        let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
            | Int(bytes[bytes.count - 6]) << 16 | Int(bytes[bytes.count - 5]) << 24
        let end = bytes.count - 8 - footerLength
        columns = Array(repeating: [], count: types.count)
        var pos = 4, c = 0
        while pos < end {
            var fields: [Int: Int64] = [:]
            try Self.readStruct(bytes, &pos, prefix: 0, into: &fields)
            guard let size = fields[2], let count = fields[5 * 100 + 1] else { throw ProfilingError("page header without sizes") }
            var p = pos
            for _ in 0..<count {
                switch types[c] {
                case .utf8:
                    let len = Int(Self.le(bytes, p, 4)); p += 4
                    columns[c].append(.text(String(decoding: bytes[p..<p + len], as: UTF8.self))); p += len
                case .int64: columns[c].append(.int(Int64(bitPattern: Self.le(bytes, p, 8)))); p += 8
                case .double: columns[c].append(.number(Double(bitPattern: Self.le(bytes, p, 8)))); p += 8
                case .float: columns[c].append(.float(UInt32(Self.le(bytes, p, 4)))); p += 4
                }
            }
            guard p == pos + Int(size) else { throw ProfilingError("page of \(size) bytes decoded as \(p - pos)") }
            pos = p
            if c == 0 { rowGroups += 1 }
            c = (c + 1) % types.count
        }
    }

    private static func le(_ b: [UInt8], _ p: Int, _ n: Int) -> UInt64 {
        (0..<n).reduce(UInt64(0)) { $0 | UInt64(b[p + $1]) << (8 * $1) }
    }

    private static func varint(_ b: [UInt8], _ pos: inout Int) -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let x = b[pos]; pos += 1
            v |= UInt64(x & 0x7F) << shift
            if x & 0x80 == 0 { return v }
            shift += 7
        }
    }

    /// Integer fields of a struct (and of nested structs, keyed id * 100 + inner id).
    private static func readStruct(_ b: [UInt8], _ pos: inout Int, prefix: Int, into fields: inout [Int: Int64]) throws {
        var last = 0
        while true {
            let h = b[pos]; pos += 1
            if h == 0 { return }
            let delta = Int(h >> 4), type = h & 0x0F
            let id: Int
            if delta != 0 { id = last + delta } else {
                let z = varint(b, &pos); id = Int(Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1))
            }
            last = id
            switch type {
            case 5, 6:
                let z = varint(b, &pos)
                fields[prefix * 100 + id] = Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
            case 12: try readStruct(b, &pos, prefix: id, into: &fields)
            default: throw ProfilingError("unexpected Thrift type \(type) in a page header")
            }
        }
    }
}
