import Foundation
import GRDB

/// The SQLite database of CellProfiler's ExportToDatabase (one table per object type) as a
/// `CellProfilerSource`, read through cursors so a database of tens of GB streams through in
/// one pass with memory bounded by one image's objects.
///
/// Layouts read: ExportToDatabase's `[prefix]Per_Image` (`ImageNumber`,
/// `Image_Metadata_Plate`, `Image_Count_Cells`, ...) with `[prefix]Per_<Object>` tables
/// (`ImageNumber`, `Cells_Number_Object_Number`, `Cells_AreaShape_Area`,
/// `Cytoplasm_Parent_Cells`, ...), and the CSV-like layout that cytominer-database writes and
/// pycytominer's `SingleCells` reads (`Image`, `Cells`, ... tables with `ObjectNumber`). Column
/// names lose their `<Object>_` / `Image_` prefix, so they read as ExportToSpreadsheet's.
/// Object tables are scanned `ORDER BY ImageNumber, <object number>` (ExportToDatabase's
/// primary key, so SQLite walks its index) and merge-joined with the image table.
/// Limitation: images are keyed by `ImageNumber` alone, so a database that merges several
/// plates with a `TableNumber` column and repeated image numbers is refused (the error names
/// the repeated ImageNumber).
public struct CellProfilerSQLiteSource: CellProfilerSource {
    let path: String
    let queue: DatabaseQueue
    let imageTable: String
    let imageNumberColumn: Int
    let imageMetadataIndices: [Int]
    let countIndices: [Int?]
    /// Per object table: its SQL name, raw column names, ImageNumber and object-number columns.
    let objectTables: [(name: String, raw: [String], image: Int, key: Int)]
    public let imageMetadataColumns: [String]
    public let compartments: [CellProfilerCompartment]
    public let imageCount: Int

    /// Opens `url` read-only and finds the image table and the object tables: the given
    /// compartment names (`Per_<Name>` or `<Name>`), or every `Per_<Object>` table, Cells first.
    public init(url: URL, compartments names: [String] = []) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CSVError(source: url.path, line: 0, message: "no such file")
        }
        var config = Configuration()
        config.readonly = true
        do {
            self = try Self(path: url.path, queue: DatabaseQueue(path: url.path, configuration: config), names: names)
        } catch {
            throw Self.sqliteError(error, path: url.path)
        }
    }

    /// A GRDB error as the one-line error of this file.
    static func sqliteError(_ error: Error, path: String) -> Error {
        if let e = error as? DatabaseError {
            return CSVError(source: path, line: 0, message: "not a readable SQLite database (\(e.message ?? "SQLite error \(e.resultCode)"))")
        }
        return error
    }

    private init(path: String, queue: DatabaseQueue, names: [String]) throws {
            self.path = path
            self.queue = queue
            let tables = try queue.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY rowid")
            }
            let imageCandidates = tables.filter { $0.hasSuffix("Per_Image") } + tables.filter { $0 == "Image" }
            guard let imageTable = imageCandidates.first else {
                throw CSVError(source: path, line: 0, message: "no per-image table (Per_Image or Image); tables: \(tables.prefix(20).joined(separator: ", "))")
            }
            let prefix = imageTable == "Image" ? "" : String(imageTable.dropLast("Per_Image".count))
            var objectNames: [(compartment: String, table: String)] = []
            if names.isEmpty {
                let skip = ["Image", "Experiment", "Object", "Relationships", "RelationshipTypes"]
                if imageTable == "Image" {
                    objectNames = ["Cells", "Cytoplasm", "Nuclei"].filter(tables.contains).map { ($0, $0) }
                } else {
                    objectNames = tables.filter { $0.hasPrefix(prefix + "Per_") }.map { (String($0.dropFirst(prefix.count + 4)), $0) }
                        .filter { !skip.contains($0.0) && !$0.0.hasPrefix("Well_") && !$0.0.hasPrefix("Relationship") }
                        .sorted { ($0.0 == "Cells" ? 0 : 1, $0.0) < ($1.0 == "Cells" ? 0 : 1, $1.0) }
                }
                guard !objectNames.isEmpty else {
                    throw CSVError(source: path, line: 0, message: "no object tables (\(prefix)Per_Cells, ...) beside \(imageTable)")
                }
            } else {
                for name in names {
                    guard Manifest.isChannelName(name) else {
                        throw CSVError(source: path, line: 0, message: "compartment name '\(name)' must be letters, digits and _")
                    }
                    guard let t = [prefix + "Per_" + name, name].first(where: tables.contains) else {
                        throw CSVError(source: path, line: 0, message: "no table \(prefix)Per_\(name) or \(name); tables: \(tables.prefix(20).joined(separator: ", "))")
                    }
                    objectNames.append((name, t))
                }
            }
            func columns(_ table: String) throws -> [String] {
                try queue.read { db in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))").map { $0["name"] as String } }
            }
            let imageRaw = try columns(imageTable)
            let imageNames = imageRaw.map { $0.hasPrefix("Image_") ? String($0.dropFirst(6)) : $0 }
            guard let ic = imageNames.firstIndex(of: "ImageNumber") else {
                throw CSVError(source: path, line: 0, message: "table \(imageTable): missing column 'ImageNumber'")
            }
            for c in CellProfilerImport.requiredImageColumns where !imageNames.contains(c) {
                throw CSVError(source: path, line: 0, message: "table \(imageTable): missing column 'Image_\(c)' (or '\(c)')")
            }
            imageNumberColumn = ic
            imageMetadataIndices = imageNames.indices.filter { imageNames[$0].hasPrefix("Metadata_") }
            imageMetadataColumns = imageMetadataIndices.map { imageNames[$0] }
            countIndices = objectNames.map { imageNames.firstIndex(of: "Count_\($0.compartment)") }
            var objectTables: [(name: String, raw: [String], image: Int, key: Int)] = []
            var compartments: [CellProfilerCompartment] = []
            for (compartment, table) in objectNames {
                let raw = try columns(table)
                let stripped = raw.map { $0.hasPrefix(compartment + "_") ? String($0.dropFirst(compartment.count + 1)) : $0 }
                guard let image = stripped.firstIndex(of: "ImageNumber") else {
                    throw CSVError(source: path, line: 0, message: "table \(table): missing column 'ImageNumber'")
                }
                guard let key = stripped.firstIndex(of: "ObjectNumber") ?? stripped.firstIndex(of: "Number_Object_Number") else {
                    throw CSVError(source: path, line: 0, message: "table \(table): missing column '\(compartment)_Number_Object_Number' (or 'ObjectNumber')")
                }
                objectTables.append((table, raw, image, key))
                compartments.append(CellProfilerCompartment(name: compartment, table: "\(path) table \(table)", columns: stripped))
            }
            self.imageTable = imageTable
            self.objectTables = objectTables
            self.compartments = compartments
            imageCount = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(imageTable.quotedDatabaseIdentifier)") ?? 0 }
    }

    /// An integer cell (ImageNumber, object numbers): INTEGER, or REAL holding a whole number.
    static func integer(_ value: DatabaseValue) -> Int? {
        switch value.storage {
        case .int64(let i): return Int(exactly: i)
        case .double(let d): return d.isFinite && d == d.rounded() && abs(d) < 1e15 ? Int(d) : nil
        case .string(let s): return Int(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64(let i): return "\(i)"
        case .double(let d): return "\(d)"
        case .string(let s): return "text '\(s.prefix(40))'"
        case .blob(let b): return "a \(b.count)-byte blob"
        }
    }

    public func forEachImage(split: [CellProfilerColumnSplit], _ body: (CellProfilerImage) throws -> Void) throws {
        let path = self.path
        do {
            try queue.read { db in
                let images = try Row.fetchCursor(db, sql: "SELECT * FROM \(imageTable.quotedDatabaseIdentifier) ORDER BY \("ImageNumber".quotedDatabaseIdentifier)")
                let cursors = try objectTables.map { t in
                    try Row.fetchCursor(db, sql: "SELECT * FROM \(t.name.quotedDatabaseIdentifier) ORDER BY \(t.raw[t.image].quotedDatabaseIdentifier), \(t.raw[t.key].quotedDatabaseIdentifier)")
                }
                // Rows read ahead of the image being joined, with the image they belong to.
                var pending = [CellProfilerObjectRows](repeating: CellProfilerObjectRows(), count: objectTables.count)
                var pendingImage = [Int?](repeating: nil, count: objectTables.count)
                var exhausted = [Bool](repeating: false, count: objectTables.count)

                func origin(_ k: Int, _ row: Row) -> String {
                    let t = objectTables[k]
                    return "\(path) table \(t.name) ImageNumber \(Self.describe(row[t.image])), \(t.raw[t.key]) \(Self.describe(row[t.key]))"
                }
                func imageNumber(_ k: Int, _ row: Row) throws -> Int {
                    guard let n = Self.integer(row[objectTables[k].image]) else {
                        throw CSVError(source: origin(k, row), line: 0, message: "ImageNumber: expected an integer")
                    }
                    return n
                }
                func append(_ k: Int, _ row: Row, to rows: inout CellProfilerObjectRows) throws {
                    let t = objectTables[k]
                    for j in split[k].metadata {
                        let v: DatabaseValue = row[j]
                        switch v.storage {
                        case .null: rows.metadata.append("")
                        case .int64(let i): rows.metadata.append(String(i))
                        case .double(let d): rows.metadata.append(d.isNaN ? "" : "\(d)")
                        case .string(let s): rows.metadata.append(s)
                        case .blob:
                            throw CSVError(source: origin(k, row), line: 0, message: "column '\(t.raw[j])': expected a number or text, found \(Self.describe(v))")
                        }
                    }
                    for j in split[k].features {
                        let v: DatabaseValue = row[j]
                        switch v.storage {
                        case .null: rows.features.append(.nan)
                        case .double(let d): rows.features.append(d)
                        case .int64(let i): rows.features.append(Double(i))
                        case .string(let s):
                            guard let d = Self.featureValue(s) else {
                                throw CSVError(source: origin(k, row), line: 0, message: "column '\(t.raw[j])': expected a number, found \(Self.describe(v))")
                            }
                            rows.features.append(d)
                        case .blob:
                            throw CSVError(source: origin(k, row), line: 0, message: "column '\(t.raw[j])': expected a number, found \(Self.describe(v))")
                        }
                    }
                    rows.origins.append(origin(k, row))
                }

                var previous: Int?
                while let irow = try images.next() {
                    guard let n = Self.integer(irow[imageNumberColumn]) else {
                        throw CSVError(source: path, line: 0, message: "table \(imageTable): ImageNumber \(Self.describe(irow[imageNumberColumn])): expected an integer")
                    }
                    guard n != previous else {
                        throw CSVError(source: path, line: 0, message: "table \(imageTable): ImageNumber \(n) is listed twice")
                    }
                    previous = n
                    var objects: [CellProfilerObjectRows] = []
                    for k in objectTables.indices {
                        var rows = CellProfilerObjectRows()
                        if let p = pendingImage[k] {
                            if p > n { objects.append(rows); continue }
                            rows = pending[k]
                            pending[k] = CellProfilerObjectRows()
                            pendingImage[k] = nil
                            if p < n {
                                throw CSVError(source: rows.origins[0], line: 0, message: "ImageNumber \(p) is not in table \(imageTable)")
                            }
                        }
                        while !exhausted[k] {
                            guard let row = try cursors[k].next() else { exhausted[k] = true; break }
                            let m = try imageNumber(k, row)
                            if m == n {
                                try append(k, row, to: &rows)
                            } else if m > n {
                                try append(k, row, to: &pending[k])
                                pendingImage[k] = m
                                break
                            } else {
                                throw CSVError(source: origin(k, row), line: 0, message: "ImageNumber \(m) is not in table \(imageTable)")
                            }
                        }
                        objects.append(rows)
                    }
                    let counts: [Int?] = try countIndices.map { c in
                        guard let c else { return nil }
                        let v: DatabaseValue = irow[c]
                        if case .null = v.storage { return nil }
                        guard let count = Self.integer(v) else {
                            throw CSVError(source: path, line: 0, message: "table \(imageTable) ImageNumber \(n): column 'Count_...': expected an integer, found \(Self.describe(v))")
                        }
                        return count
                    }
                    guard objects.contains(where: { $0.count > 0 }) || counts.contains(where: { ($0 ?? 0) > 0 }) else { continue }
                    try body(CellProfilerImage(imageNumber: n, metadata: imageMetadataIndices.map { j in
                        let v: DatabaseValue = irow[j]
                        switch v.storage {
                        case .null: return ""
                        case .int64(let i): return String(i)
                        case .double(let d): return "\(d)"
                        case .string(let s): return s
                        case .blob: return ""
                        }
                    }, objects: objects, statedCounts: counts, origin: "\(path) table \(imageTable) ImageNumber \(n)"))
                }
                for k in objectTables.indices {
                    if let p = pendingImage[k] {
                        throw CSVError(source: pending[k].origins[0], line: 0, message: "ImageNumber \(p) is not in table \(imageTable)")
                    }
                    if !exhausted[k], let row = try cursors[k].next() {
                        throw CSVError(source: origin(k, row), line: 0, message: "ImageNumber \(try imageNumber(k, row)) is not in table \(imageTable)")
                    }
                }
            }
        } catch {
            throw Self.sqliteError(error, path: path)
        }
    }
}
