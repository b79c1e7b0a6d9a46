import Core
import Foundation

/// CellProfiler's per-object measurements joined into one single-cell table that `profile`
/// reads: one row per object of the first compartment, `Metadata_` columns first.
///
/// The measurements come from a `CellProfilerSource` (ExportToSpreadsheet CSVs, or the
/// SQLite of ExportToDatabase), one image at a time, so a database of tens of GB is read and
/// written in one pass with memory bounded by one image's objects. Objects are linked as
/// pycytominer's `SingleCells` links them: a compartment with a `Parent_<First>` column joins
/// on it, one whose parent the first compartment names (`Parent_<Other>` in the first) joins
/// on that, anything else on the same `ObjectNumber`. `ImageNumber` becomes one
/// `Metadata_ImageNumber`; `ObjectNumber`, `Parent_*`, `Children_*`, `Location_*` and
/// `TableNumber` are metadata (`Metadata_<Compartment>_<Column>`), never averaged as features
/// (`Number_Object_Number`, the same number as `ObjectNumber`, is the key where a table has
/// no `ObjectNumber`, as in ExportToDatabase's tables, and is not repeated where it has; the
/// key is written as `Metadata_<Compartment>_ObjectNumber` either way, so CSV and SQLite
/// imports of the same measurements are the same table); every other column is a feature
/// `<Compartment>_<Column>`. NULL, empty and `nan` stay NaN (an object with no partner in a
/// compartment has NaN there), for aggregation to skip as pycytominer does.
public enum CellProfilerImport {
    /// The per-image table must name each image's plate and well.
    public static let requiredImageColumns = ["Metadata_Plate", "Metadata_Well"]

    /// Whether a per-object column is bookkeeping rather than a measurement.
    static func isMetadata(_ column: String) -> Bool {
        column == "ObjectNumber" || column == "Number_Object_Number" || column == "TableNumber"
            || column.hasPrefix("Parent_") || column.hasPrefix("Location_") || column.hasPrefix("Children_")
    }

    /// Whether a `Metadata_` column of a single-cell table describes one object rather than
    /// its image or well: `Metadata_Cell`, `Metadata_ObjectNumber`, and the per-compartment
    /// bookkeeping this import writes (`Metadata_Cells_ObjectNumber`, `..._Parent_Nuclei`,
    /// `..._Location_Center_X`, `..._Children_*`, `..._Number_Object_Number`). Aggregation drops
    /// such columns: a well's list of object numbers or centres is no property of the well.
    public static func isObjectMetadata(_ column: String) -> Bool {
        guard column.hasPrefix("Metadata_") else { return false }
        let rest = column.dropFirst("Metadata_".count)
        if rest == "Cell" || rest == "ObjectNumber" { return true }
        guard let underscore = rest.firstIndex(of: "_") else { return false }
        let column = String(rest[rest.index(after: underscore)...])
        return isMetadata(column) && column != "TableNumber"
    }

    /// How `compartment`'s columns are read: its object-number key, metadata and features.
    public static func split(_ compartment: CellProfilerCompartment) throws -> CellProfilerColumnSplit {
        let cols = compartment.columns
        guard let key = cols.firstIndex(of: "ObjectNumber") ?? cols.firstIndex(of: "Number_Object_Number") else {
            throw CSVError(source: compartment.table, line: 1, message: "missing column 'ObjectNumber' (or \(compartment.name)_Number_Object_Number)")
        }
        var metadata: [Int] = [], features: [Int] = []
        for (i, c) in cols.enumerated() where c != "ImageNumber" {
            if c == "Number_Object_Number" && i != key { continue }
            if isMetadata(c) { metadata.append(i) } else { features.append(i) }
        }
        return CellProfilerColumnSplit(key: key, metadata: metadata, features: features)
    }

    /// The output header for `source` read with `splits`.
    static func header(_ source: some CellProfilerSource, _ splits: [CellProfilerColumnSplit]) throws -> [String] {
        var meta = source.imageMetadataColumns + ["Metadata_ImageNumber"]
        var features: [String] = []
        for (c, s) in zip(source.compartments, splits) {
            // The key is `ObjectNumber` whichever of its two names the table used.
            meta += s.metadata.map { "Metadata_\(c.name)_\($0 == s.key ? "ObjectNumber" : c.columns[$0])" }
            features += s.features.map { "\(c.name)_\(c.columns[$0])" }
        }
        let header = meta + features
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw CSVError(source: source.compartments.first?.table ?? "", line: 1, message: "column '\(name)' would appear twice in the joined table")
        }
        return header
    }

    /// What an import wrote.
    public struct Summary: Sendable, Equatable {
        public var objects: Int
        public var features: Int
        public var images: Int
    }

    /// Streams the joined table of `source` into the CSV at `url`, written atomically: on any
    /// error (named by table, row and column) nothing is left under `url`.
    @discardableResult
    public static func write(_ source: some CellProfilerSource, to url: URL, progress: (any ProgressTracker)? = nil) throws -> Summary {
        let splits = try source.compartments.map(split)
        let header = try header(source, splits)
        var summary = Summary(objects: 0, features: splits.reduce(0) { $0 + $1.features.count }, images: 0)
        try AtomicFile.write(to: url) { tmp in
            var writer = try CSVRowWriter(url: tmp)
            try writer.append(header)
            summary.images = try joinedRows(source, splits) { try writer.append($0); summary.objects += 1 } progress: { progress?.advance() }
            try writer.close()
        }
        progress?.finish()
        return summary
    }

    /// The joined table of `source` in memory (tests, small tables).
    public static func singleCells(_ source: some CellProfilerSource) throws -> CSVTable {
        let splits = try source.compartments.map(split)
        var out = CSVTable(header: try header(source, splits), source: source.compartments.first?.table ?? "")
        _ = try joinedRows(source, splits) { out.rows.append($0) } progress: {}
        out.lineNumbers = out.rows.indices.map { $0 + 2 }
        return out
    }

    /// ExportToSpreadsheet tables joined in memory (see `CellProfilerCSVSource`).
    public static func singleCells(image: CSVTable, objects: [(name: String, table: CSVTable)]) throws -> CSVTable {
        try singleCells(CellProfilerCSVSource(image: image, objects: objects))
    }

    /// How a later compartment finds its partner row for a row of the first one.
    enum Link {
        /// Its own `Parent_<First>` column (metadata position) names the first's object.
        case childOfFirst(parent: Int)
        /// The first's `Parent_<This>` column (metadata position in the first) names it.
        case parentInFirst(column: Int)
        /// Same object number.
        case sameObject
    }

    /// Joins each image of `source` and hands `row` every output row; returns the images read.
    static func joinedRows(_ source: some CellProfilerSource, _ splits: [CellProfilerColumnSplit],
                           row: ([String]) throws -> Void, progress: () -> Void) throws -> Int {
        let comps = source.compartments
        guard let first = comps.first else {
            throw CSVError(source: "", line: 0, message: "no object tables given; expected e.g. Cells, Cytoplasm, Nuclei")
        }
        func metaPosition(_ k: Int, _ column: String) -> Int? {
            splits[k].metadata.firstIndex { comps[k].columns[$0] == column }
        }
        let keyPosition = splits.map { s in s.metadata.firstIndex(of: s.key) ?? 0 }
        let links: [Link] = comps.indices.map { k in
            if k == 0 { return .sameObject }
            if let p = metaPosition(k, "Parent_\(first.name)") { return .childOfFirst(parent: p) }
            if let p = metaPosition(0, "Parent_\(comps[k].name)") { return .parentInFirst(column: p) }
            return .sameObject
        }
        func objectNumber(_ rows: CellProfilerObjectRows, _ k: Int, _ r: Int, _ position: Int) throws -> Int {
            let m = splits[k].metadata.count
            let text = rows.metadata[r * m + position]
            let column = comps[k].columns[splits[k].metadata[position]]
            guard let v = Int(text) ?? Double(text).flatMap({ $0.isFinite && $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) : nil }) else {
                throw CSVError(source: rows.origins[r], line: 0, message: "column '\(column)': expected an object number, found '\(text)'")
            }
            return v
        }
        var images = 0
        try source.forEachImage(split: splits) { image in
            images += 1
            progress()
            for (k, stated) in image.statedCounts.enumerated() {
                if let stated, stated != image.objects[k].count {
                    throw CSVError(source: image.origin, line: 0, message: "Count_\(comps[k].name) is \(stated) but \(comps[k].table) has \(image.objects[k].count) rows for ImageNumber \(image.imageNumber)")
                }
            }
            // Per later compartment: its rows keyed by what a row of the first one names.
            var lookups: [[Int: Int]] = [[:]]
            for k in comps.indices.dropFirst() {
                let rows = image.objects[k]
                let position: Int
                if case .childOfFirst(let p) = links[k] { position = p } else { position = keyPosition[k] }
                var m: [Int: Int] = [:]
                m.reserveCapacity(rows.count)
                for r in 0..<rows.count {
                    let key = try objectNumber(rows, k, r, position)
                    guard key != 0 else { continue }   // 0: no parent
                    guard m.updateValue(r, forKey: key) == nil else {
                        let column = comps[k].columns[splits[k].metadata[position]]
                        throw CSVError(source: rows.origins[r], line: 0, message: "\(column) \(key) of image \(image.imageNumber) is listed twice; expected one \(comps[k].name) object per \(first.name) object")
                    }
                }
                lookups.append(m)
            }
            let firstRows = image.objects[0]
            var seen = Set<Int>()
            for r in 0..<firstRows.count {
                let objectNumber0 = try objectNumber(firstRows, 0, r, keyPosition[0])
                guard seen.insert(objectNumber0).inserted else {
                    throw CSVError(source: firstRows.origins[r], line: 0, message: "object \(objectNumber0) of image \(image.imageNumber) is listed twice")
                }
                var fields = image.metadata
                fields.append(String(image.imageNumber))
                var features: [String] = []
                for k in comps.indices {
                    let partner: Int?
                    switch links[k] {
                    case _ where k == 0: partner = r
                    case .parentInFirst(let p): partner = lookups[k][try objectNumber(firstRows, 0, r, p)]
                    case .childOfFirst, .sameObject: partner = lookups[k][objectNumber0]
                    }
                    let rows = image.objects[k]
                    let m = splits[k].metadata.count, f = splits[k].features.count
                    if let p = partner {
                        fields += rows.metadata[p * m ..< (p + 1) * m]
                        for v in rows.features[p * f ..< (p + 1) * f] { features.append(v.isNaN ? "NaN" : "\(v)") }
                    } else {
                        fields += repeatElement("", count: m)
                        features += repeatElement("NaN", count: f)
                    }
                }
                try row(fields + features)
            }
        }
        return images
    }
}
