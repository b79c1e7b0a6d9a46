import Foundation
import Screen

/// Collapses rows that share the values of some metadata columns (cells to sites, sites
/// to wells, wells to treatments) into one row, by the mean or median of each feature.
///
/// Metadata in the output: the key columns, then every other metadata column whose value
/// is the same in all rows of a group; a column that differs inside a group keeps the set
/// of its distinct values, sorted and joined by `;` (this is how a treatment whose wells
/// span several batches carries all of them in `Metadata_Batch`, which NSCB reads as a
/// set). Columns that describe single objects (`Metadata_Cell`, CellProfiler's object numbers,
/// parents and locations: `CellProfilerImport.isObjectMetadata`) are left out, as pycytominer's
/// `aggregate` leaves them out, instead of becoming a string of every object in the well.
/// `Metadata_Count` is the number of cells behind each output row: the sum of the
/// input's `Metadata_Count` when it has one, otherwise the number of input rows. Groups
/// appear in order of their first row.
///
/// Missing values (NaN, as CellProfiler writes for undefined measurements) are skipped as
/// pandas' groupby mean/median skip them in pycytominer's `aggregate`; a feature that is NaN
/// in every row of a group stays NaN.
public struct Aggregation: Sendable {
    public enum Method: String, Sendable, CaseIterable { case mean, median }

    public var keys: [String]
    public var method: Method

    public init(keys: [String], method: Method = .mean) {
        self.keys = keys
        self.method = method
    }

    /// Site, well and treatment keys in pycytominer's column names.
    public static let siteKeys = ["Metadata_Plate", "Metadata_Well", "Metadata_Site"]
    public static let wellKeys = ["Metadata_Plate", "Metadata_Well"]
    public static let treatmentKeys = ["Metadata_Compound", "Metadata_Concentration"]

    public static let countColumn = "Metadata_Count"

    public func apply(to table: ProfileTable) throws -> ProfileTable {
        let keyIdx = try keys.map { k -> Int in
            guard let i = table.columnIndex(k) else {
                throw ProfilingError("\(table.sourceDescription): cannot aggregate: missing column '\(k)'")
            }
            return i
        }
        var groupOf: [[String]: Int] = [:]
        var groups: [[Int]] = []
        for r in 0..<table.rowCount {
            let key = keyIdx.map { table.metadata[r][$0] }
            if let g = groupOf[key] { groups[g].append(r) } else {
                groupOf[key] = groups.count
                groups.append([r])
            }
        }
        let countIdx = table.columnIndex(Self.countColumn)
        let otherIdx = table.metadataColumns.indices.filter {
            !keyIdx.contains($0) && $0 != countIdx && !CellProfilerImport.isObjectMetadata(table.metadataColumns[$0])
        }
        let d = table.featureCount
        var metadata: [[String]] = []
        var features: [Double] = []
        features.reserveCapacity(groups.count * d)
        var origins: [String] = []
        for rows in groups {
            var m = keyIdx.map { table.metadata[rows[0]][$0] }
            for c in otherIdx {
                let values = Set(rows.map { table.metadata[$0][c] })
                m.append(values.count == 1 ? values.first! : values.sorted().joined(separator: ";"))
            }
            var count = rows.count
            if let ci = countIdx {
                count = 0
                for r in rows {
                    guard let n = Int(table.metadata[r][ci]) else {
                        throw ProfilingError("\(table.rowOrigins[r]): column '\(Self.countColumn)': expected an integer, found '\(table.metadata[r][ci])'")
                    }
                    count += n
                }
            }
            m.append(String(count))
            metadata.append(m)
            var column: [Double] = []
            column.reserveCapacity(rows.count)
            for j in 0..<d {
                column.removeAll(keepingCapacity: true)
                for r in rows where !table[r, j].isNaN { column.append(table[r, j]) }
                features.append(method == .mean ? Statistics.mean(column) : Statistics.median(column))
            }
            origins.append("\(table.sourceDescription): group " + zip(keys, m).map { "\($0)=\($1)" }.joined(separator: ","))
        }
        let columns = keys + otherIdx.map { table.metadataColumns[$0] } + [Self.countColumn]
        return ProfileTable(metadataColumns: columns, metadata: metadata, featureNames: table.featureNames,
                            features: features, rowOrigins: origins)
    }
}
