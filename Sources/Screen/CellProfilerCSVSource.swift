import Foundation

/// CellProfiler's ExportToSpreadsheet output as a `CellProfilerSource`: the per-image table
/// (`ImageNumber`, `Metadata_Plate`, `Metadata_Well`, `Count_Cells`, ...) and one table per
/// object (`ImageNumber`, `ObjectNumber`, `Parent_Nuclei`, `AreaShape_Area`, ...), read whole
/// (such CSVs are per plate and fit in memory) and handed out image by image.
public struct CellProfilerCSVSource: CellProfilerSource {
    let image: CSVTable
    let tables: [CSVTable]
    public let imageMetadataColumns: [String]
    public let compartments: [CellProfilerCompartment]
    /// Image numbers in ascending order with their image-table row.
    let imageRows: [(number: Int, row: Int)]
    /// Per compartment: the rows of each image, in file order.
    let rowsOf: [[Int: [Int]]]
    let imageMetadataIndices: [Int]
    let countIndices: [Int?]

    public var imageCount: Int { imageRows.count }

    /// Checks the tables' key columns and that every object's image is in `image`; the error
    /// names the file, line and column.
    public init(image: CSVTable, objects: [(name: String, table: CSVTable)]) throws {
        guard !objects.isEmpty else {
            throw CSVError(source: image.source, line: 0, message: "no object tables given; expected e.g. Cells, Cytoplasm, Nuclei")
        }
        for (name, _) in objects where !Manifest.isChannelName(name) {
            throw CSVError(source: image.source, line: 0, message: "compartment name '\(name)' must be letters, digits and _")
        }
        let imageColumn = try image.requireColumn("ImageNumber")
        for c in CellProfilerImport.requiredImageColumns { _ = try image.requireColumn(c) }
        var numbers: [Int: Int] = [:]
        for r in image.rows.indices {
            let n = try Self.integer(image, r, imageColumn)
            guard numbers.updateValue(r, forKey: n) == nil else {
                throw CSVError(source: image.source, line: image.lineNumbers[r], message: "ImageNumber: \(n) is listed twice")
            }
        }
        var rowsOf: [[Int: [Int]]] = []
        for (_, t) in objects {
            let ic = try t.requireColumn("ImageNumber")
            var m: [Int: [Int]] = [:]
            for r in t.rows.indices {
                let n = try Self.integer(t, r, ic)
                guard numbers[n] != nil else {
                    throw CSVError(source: t.source, line: t.lineNumbers[r], message: "ImageNumber: \(n) is not in \(image.source)")
                }
                m[n, default: []].append(r)
            }
            rowsOf.append(m)
        }
        self.image = image
        self.tables = objects.map(\.table)
        self.rowsOf = rowsOf
        imageRows = numbers.map { (number: $0.key, row: $0.value) }.sorted { $0.number < $1.number }
        imageMetadataIndices = image.header.indices.filter { image.header[$0].hasPrefix("Metadata_") }
        imageMetadataColumns = imageMetadataIndices.map { image.header[$0] }
        compartments = objects.map { CellProfilerCompartment(name: $0.name, table: $0.table.source, columns: $0.table.header) }
        countIndices = objects.map { image.column("Count_\($0.name)") }
    }

    static func integer(_ t: CSVTable, _ r: Int, _ c: Int) throws -> Int {
        let text = t.rows[r][c].trimmingCharacters(in: .whitespaces)
        guard let v = Int(text) ?? Double(text).flatMap({ $0.isFinite && $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) : nil }) else {
            throw CSVError(source: t.source, line: t.lineNumbers[r], message: "\(t.header[c]): '\(t.rows[r][c])' is not an integer")
        }
        return v
    }

    public func forEachImage(split: [CellProfilerColumnSplit], _ body: (CellProfilerImage) throws -> Void) throws {
        for (number, ir) in imageRows {
            var objects: [CellProfilerObjectRows] = []
            for (k, t) in tables.enumerated() {
                var rows = CellProfilerObjectRows()
                for r in rowsOf[k][number] ?? [] {
                    let fields = t.rows[r]
                    rows.metadata += split[k].metadata.map { fields[$0] }
                    for j in split[k].features {
                        guard let v = Self.featureValue(fields[j]) else {
                            throw CSVError(source: t.source, line: t.lineNumbers[r], message: "column '\(t.header[j])': expected a number, found '\(fields[j])'")
                        }
                        rows.features.append(v)
                    }
                    rows.origins.append("\(t.source):\(t.lineNumbers[r])")
                }
                objects.append(rows)
            }
            let counts = try countIndices.map { c in try c.map { try Self.integer(image, ir, $0) } }
            guard objects.contains(where: { $0.count > 0 }) || counts.contains(where: { ($0 ?? 0) > 0 }) else { continue }
            try body(CellProfilerImage(imageNumber: number, metadata: imageMetadataIndices.map { image.rows[ir][$0] },
                                       objects: objects, statedCounts: counts, origin: "\(image.source):\(image.lineNumbers[ir])"))
        }
    }
}
