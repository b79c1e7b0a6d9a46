import Foundation

/// What was done to each well, from a plate map CSV in pycytominer's platemap convention
/// (`well_position` plus treatment columns, as in the JUMP / Cell Painting Gallery
/// `platemap/*.txt` files), joined onto sites by well (and by plate when the map has a plate
/// column) when the image list itself names no treatments.
///
/// Column names are matched case-sensitively in the spellings pycytominer and Phenoscope use,
/// bare or with the `Metadata_` prefix pycytominer's `annotate` adds:
/// well `well_position` / `Well`; plate (optional) `Plate`; compound `Compound`, `pert_iname`
/// or `broad_sample`; concentration (optional) `Concentration` or `mmoles_per_liter`;
/// MoA (optional) `MoA` / `moa`. Tab-separated files (`.txt`, `.tsv`) are read too.
public struct PlateMap: Sendable {
    /// One well's treatment as written in the map.
    public struct Entry: Sendable, Equatable {
        public var compound: String
        /// As written (empty becomes "0"), so manifests round-trip the text.
        public var concentration: String
        public var moa: String
    }

    /// Entries by (plate, well); plate is "" when the map has no plate column.
    public private(set) var entries: [String: [WellPosition: Entry]] = [:]
    /// Whether the map distinguishes plates.
    public private(set) var hasPlates = false
    public let source: String

    /// Reads the map; throws a `CSVError` naming the file, line and column of a problem.
    public init(contentsOf url: URL) throws {
        let table = try PlateMap.readTable(url)
        try self.init(table: table)
    }

    /// Builds the map from a parsed table.
    public init(table t: CSVTable) throws {
        source = t.source
        let columns = TreatmentColumns(t)
        guard let wellCol = columns.well else {
            throw CSVError(source: t.source, line: 1, message: "no well column; expected well_position (pycytominer platemap) or Metadata_Well")
        }
        guard columns.compound != nil else {
            throw CSVError(source: t.source, line: 1, message: "no treatment column; expected Compound, pert_iname or broad_sample (optionally Metadata_-prefixed)")
        }
        let plateCol = columns.plate
        hasPlates = plateCol != nil
        for (r, f) in t.rows.enumerated() {
            let line = t.lineNumbers[r]
            guard let well = WellPosition(f[wellCol].trimmingCharacters(in: .whitespaces)) else {
                throw CSVError(source: t.source, line: line, message: "\(t.header[wellCol]): '\(f[wellCol])' is not a well name like A01")
            }
            let entry = try columns.entry(f, table: t, line: line)
            let plate = plateCol.map { f[$0] } ?? ""
            guard entries[plate]?[well] == nil else {
                throw CSVError(source: t.source, line: line, message: "\(t.header[wellCol]): well \(well)\(plate.isEmpty ? "" : " of plate \(plate)") is listed twice")
            }
            entries[plate, default: [:]][well] = entry
        }
    }

    /// Where a table keeps well, plate and treatment, in the spellings listed above (bare or
    /// `Metadata_`-prefixed); shared by plate maps and LoadData CSVs that carry treatments.
    public struct TreatmentColumns: Sendable {
        public var well, plate, compound, concentration, moa: Int?
        public init(_ t: CSVTable) {
            func find(_ names: [String]) -> Int? {
                for n in names { if let i = t.column(n) ?? t.column("Metadata_" + n) { return i } }
                return nil
            }
            well = find(["well_position", "Well"]); plate = find(["Plate"])
            compound = find(["Compound", "pert_iname", "broad_sample"])
            concentration = find(["Concentration", "mmoles_per_liter"]); moa = find(["MoA", "moa"])
        }

        /// The treatment on one row; empty or NaN concentration reads as "0".
        public func entry(_ fields: [String], table: CSVTable, line: Int) throws -> Entry {
            var conc = concentration.map { fields[$0].trimmingCharacters(in: .whitespaces) } ?? ""
            if conc.isEmpty || conc.lowercased() == "nan" { conc = "0" }
            if let col = concentration, !(Double(conc).map { $0.isFinite && $0 >= 0 } ?? false) {
                throw CSVError(source: table.source, line: line, message: "\(table.header[col]): '\(conc)' is not a non-negative number")
            }
            return Entry(compound: compound.map { fields[$0] } ?? "", concentration: conc, moa: moa.map { fields[$0] } ?? "")
        }
    }

    /// The treatment of `well` on `plate`, or nil when the map does not list it.
    public func entry(plate: String, well: WellPosition) -> Entry? {
        entries[hasPlates ? plate : ""]?[well]
    }

    /// A CSV, or a tab-separated file (`.txt`, `.tsv`, as pycytominer platemaps are stored).
    static func readTable(_ url: URL) throws -> CSVTable {
        let ext = url.pathExtension.lowercased()
        return try CSVTable(contentsOf: url, delimiter: ext == "txt" || ext == "tsv" ? "\t" : ",")
    }
}
