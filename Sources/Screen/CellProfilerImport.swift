import Foundation

/// CellProfiler's per-object measurements (ExportToSpreadsheet CSVs: one per-image table and one
/// table per object, e.g. Cells, Cytoplasm, Nuclei) joined into one single-cell table that
/// `profile` reads: one row per object of the first compartment, `Metadata_` columns first.
///
/// Objects are linked as pycytominer's `SingleCells` links them: a compartment with a
/// `Parent_<First>` column joins on it, one whose parent the first compartment names
/// (`Parent_<Other>` in the first) joins on that, anything else on the same `ObjectNumber`.
/// `ImageNumber`, `ObjectNumber`, `Parent_*`, `Location_*` and `Number_Object_Number` are
/// metadata (`Metadata_<Compartment>_<Column>`), never averaged as features; every other
/// column is a feature `<Compartment>_<Column>`. NaN and empty values stay NaN (an object with
/// no partner in a compartment has NaN there), for aggregation to skip as pycytominer does.
public enum CellProfilerImport {
    /// The per-image table must name each image's plate and well.
    public static let requiredImageColumns = ["ImageNumber", "Metadata_Plate", "Metadata_Well"]

    /// Whether a per-object column is bookkeeping rather than a measurement.
    static func isMetadata(_ column: String) -> Bool {
        column == "ImageNumber" || column == "ObjectNumber" || column == "Number_Object_Number"
            || column.hasPrefix("Parent_") || column.hasPrefix("Location_") || column.hasPrefix("Children_")
    }

    /// Joins `image` and the object tables (`(compartment, table)`, the first one giving the
    /// rows); throws a `CSVError` naming the table, line and column of the first problem.
    public static func singleCells(image: CSVTable, objects: [(name: String, table: CSVTable)]) throws -> CSVTable {
        guard let first = objects.first else {
            throw CSVError(source: image.source, line: 0, message: "no object tables given; expected e.g. Cells, Cytoplasm, Nuclei")
        }
        for (name, _) in objects where !Manifest.isChannelName(name) {
            throw CSVError(source: image.source, line: 0, message: "compartment name '\(name)' must be letters, digits and _")
        }
        let imageIdx = try requiredImageColumns.map { try image.requireColumn($0) }
        let imageMeta = image.header.indices.filter { image.header[$0].hasPrefix("Metadata_") }
        var imageRow: [Int: Int] = [:]
        for (r, f) in image.rows.enumerated() {
            guard let n = Int(f[imageIdx[0]]) else {
                throw CSVError(source: image.source, line: image.lineNumbers[r], message: "ImageNumber: '\(f[imageIdx[0]])' is not an integer")
            }
            guard imageRow[n] == nil else {
                throw CSVError(source: image.source, line: image.lineNumbers[r], message: "ImageNumber: \(n) is listed twice")
            }
            imageRow[n] = r
        }
        /// An object (or its parent) within one image.
        struct Key: Hashable { var image: Int; var object: Int }
        func integer(_ t: CSVTable, _ r: Int, _ c: Int) throws -> Int {
            guard let v = Int(t.rows[r][c]) ?? Double(t.rows[r][c]).flatMap({ $0.isFinite && $0 == $0.rounded() ? Int($0) : nil }) else {
                throw CSVError(source: t.source, line: t.lineNumbers[r], message: "\(t.header[c]): '\(t.rows[r][c])' is not an integer")
            }
            return v
        }
        // Per compartment after the first: rows keyed by what a row of the first one names.
        enum Link { case sameObject, parentInFirst(column: Int) }
        var lookups: [[Key: Int]] = [[:]]
        var links: [Link] = [.sameObject]
        for (name, t) in objects.dropFirst() {
            let ic = try t.requireColumn("ImageNumber"), oc = try t.requireColumn("ObjectNumber")
            // A child of the first compartment (Cytoplasm with Parent_Cells) is keyed by its parent.
            let keyColumn = t.column("Parent_\(first.name)") ?? oc
            if t.column("Parent_\(first.name)") == nil, let pc = first.table.column("Parent_\(name)") {
                links.append(.parentInFirst(column: pc))
            } else {
                links.append(.sameObject)
            }
            var m: [Key: Int] = [:]
            for r in t.rows.indices {
                let key = Key(image: try integer(t, r, ic), object: try integer(t, r, keyColumn))
                guard key.object != 0 else { continue }   // 0: no parent
                guard m[key] == nil else {
                    throw CSVError(source: t.source, line: t.lineNumbers[r], message: "\(t.header[keyColumn]) \(key.object) of image \(key.image) is listed twice; expected one \(name) object per \(first.name) object")
                }
                m[key] = r
            }
            lookups.append(m)
        }
        // Header: image metadata, then per compartment its metadata, then its features.
        var header = imageMeta.map { image.header[$0] }
        var featureHeader: [String] = []
        let split = objects.map { (name, t) in
            (meta: t.header.indices.filter { isMetadata(t.header[$0]) }, features: t.header.indices.filter { !isMetadata(t.header[$0]) })
        }
        for ((name, t), s) in zip(objects, split) {
            header += s.meta.map { "Metadata_\(name)_\(t.header[$0])" }
            featureHeader += s.features.map { "\(name)_\(t.header[$0])" }
        }
        var out = CSVTable(header: header + featureHeader, source: first.table.source)
        let firstT = first.table
        let firstIC = try firstT.requireColumn("ImageNumber"), firstOC = try firstT.requireColumn("ObjectNumber")
        var seen = Set<Key>()
        for r in firstT.rows.indices {
            let imageNumber = try integer(firstT, r, firstIC), objectNumber = try integer(firstT, r, firstOC)
            guard seen.insert(Key(image: imageNumber, object: objectNumber)).inserted else {
                throw CSVError(source: firstT.source, line: firstT.lineNumbers[r], message: "object \(objectNumber) of image \(imageNumber) is listed twice")
            }
            guard let ir = imageRow[imageNumber] else {
                throw CSVError(source: firstT.source, line: firstT.lineNumbers[r], message: "ImageNumber: \(imageNumber) is not in \(image.source)")
            }
            var meta = imageMeta.map { image.rows[ir][$0] }
            var features: [String] = []
            for (k, (_, t)) in objects.enumerated() {
                let partner: Int?
                if k == 0 {
                    partner = r
                } else if case .parentInFirst(let pc) = links[k] {
                    partner = lookups[k][Key(image: imageNumber, object: try integer(firstT, r, pc))]
                } else {
                    partner = lookups[k][Key(image: imageNumber, object: objectNumber)]
                }
                let s = split[k]
                meta += s.meta.map { c in partner.map { t.rows[$0][c] } ?? "" }
                features += s.features.map { c in
                    guard let p = partner else { return "NaN" }
                    let v = t.rows[p][c].trimmingCharacters(in: .whitespaces)
                    return v.isEmpty || v.lowercased() == "nan" ? "NaN" : v
                }
            }
            out.rows.append(meta + features)
        }
        out.lineNumbers = out.rows.indices.map { $0 + 2 }
        return out
    }
}
