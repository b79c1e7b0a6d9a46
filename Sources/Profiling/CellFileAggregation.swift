import Core
import Foundation
import Screen

/// Well profiles from per-plate cell files, one plate in memory at a time: how a screen of
/// any number of cells is aggregated without loading them all.
///
/// A plate's cells are a float32 `.npy` (cells x features) beside a metadata CSV with one row
/// per cell, as `ScreenMeasurement` writes them (`cells/<plate>.npy`, `cells/<plate>_cells.csv`)
/// and `SyntheticCellTable` makes them without images. Each well's profile is the mean of its
/// cells per feature over the cells where the feature is finite (`FeatureMeans`, as the run's
/// well profiles), with `Metadata_Count` cells. Wells keep the metadata columns of
/// `ScreenMeasurement.wellMetadata` that the CSV has, which must agree between a well's cells.
/// A well never spans plates, so a plate's wells are final once the plate is read: memory holds
/// one plate's cells plus the well table (wells x features), never the screen's cells.
public struct CellFileAggregation: Sendable {
    /// One plate's cell files.
    public struct PlateFiles: Sendable, Equatable {
        public var values: URL
        public var metadata: URL
        public init(values: URL, metadata: URL) { (self.values, self.metadata) = (values, metadata) }

        /// The files `ScreenMeasurement` writes for `plate` into `directory`.
        public static func cells(of plate: String, in directory: URL) -> PlateFiles {
            PlateFiles(values: directory.appendingPathComponent("\(plate).npy"),
                       metadata: directory.appendingPathComponent("\(plate)_cells.csv"))
        }
    }

    public var featureNames: [String]

    public init(featureNames: [String]) { self.featureNames = featureNames }

    /// The well profiles of `plates`, in order of each well's first cell; `progress` is called
    /// after each plate with the cells read so far.
    public func wells(_ plates: [PlateFiles], progress: (Int) -> Void = { _ in }) throws -> ProfileTable {
        let d = featureNames.count
        var metadataColumns: [String] = []
        var metadata: [[String]] = []
        var features: [Double] = []
        var seen = Set<[String]>()
        var cells = 0
        for files in plates {
            let table = try CSVTable(contentsOf: files.metadata)
            let array = try NPYArray.read(files.values)
            guard array.dtype == .float32, array.shape.count == 2, array.shape[1] == d else {
                throw ProfilingError("\(files.values.path): expected float32 cells x \(d) features, got \(array.dtype.rawValue) of shape \(array.shape)")
            }
            guard array.shape[0] == table.rows.count else {
                throw ProfilingError("\(files.values.path): \(array.shape[0]) cells but \(files.metadata.path) has \(table.rows.count) rows")
            }
            let keyIdx = try Aggregation.wellKeys.map { try table.requireColumn($0) }
            let kept = ScreenMeasurement.wellMetadata.filter { table.column($0) != nil }
            let keptIdx = kept.compactMap { table.column($0) }
            if metadataColumns.isEmpty {
                metadataColumns = kept + [Aggregation.countColumn]
            } else if metadataColumns != kept + [Aggregation.countColumn] {
                throw ProfilingError("\(files.metadata.path): metadata columns \(kept) differ from the first plate's \(metadataColumns.dropLast())")
            }
            var order: [[String]] = []
            var wells: [[String]: (meta: [String], line: Int, means: FeatureMeans)] = [:]
            array.bytes.withUnsafeBytes { raw in
                let values = raw.bindMemory(to: Float.self)
                for (r, row) in table.rows.enumerated() {
                    let key = keyIdx.map { row[$0] }
                    if wells[key] == nil {
                        order.append(key)
                        wells[key] = (keptIdx.map { row[$0] }, table.lineNumbers[r], FeatureMeans(features: d))
                    }
                    wells[key]?.means.add(UnsafeBufferPointer(rebasing: values[(r * d)..<((r + 1) * d)]))
                }
            }
            // The well metadata must be the same for all of a well's cells.
            for (r, row) in table.rows.enumerated() {
                let key = keyIdx.map { row[$0] }
                guard let w = wells[key] else { continue }
                for (k, j) in keptIdx.enumerated() where row[j] != w.meta[k] {
                    throw ProfilingError("\(files.metadata.path):\(table.lineNumbers[r]): \(kept[k]) '\(row[j])' differs from line \(w.line)'s '\(w.meta[k])' of the same well")
                }
            }
            for key in order {
                guard seen.insert(key).inserted else {
                    throw ProfilingError("\(files.metadata.path): well \(key.joined(separator: " ")) also has cells in an earlier plate's file; a well must lie in one file")
                }
                guard let w = wells[key] else { continue }
                metadata.append(w.meta + [String(w.means.count)])
                features += w.means.means
            }
            cells += table.rows.count
            progress(cells)
        }
        return ProfileTable(metadataColumns: metadataColumns, metadata: metadata, featureNames: featureNames, features: features)
    }
}
