import Core
import Foundation
import Imaging
import Screen

/// Measures every cell of every site of a screen and aggregates the cells to well profiles.
///
/// Sites are independent, so they run in parallel (`threads` at a time) and the results are
/// put back in manifest order, which keeps the output the same whatever the scheduling. Per
/// cell, the CellProfiler-style measurements of `CellMeasurements`; per well, the mean of its
/// cells (per feature over the cells where it is defined; NaN where none is) with the cell
/// count kept (`Metadata_Count`). Per-cell values are also written per
/// plate as `.npy` (float32, cells x features) beside a metadata CSV, and as one single-cell
/// Parquet with CellProfiler column names, so cell-level analyses do not have to measure again.
public struct ScreenMeasurement: Sendable {
    public var options = CellMeasurementOptions()
    public var threads = 2

    public init() {}

    /// The result of measuring a screen.
    public struct Result: Sendable {
        public var wells: ProfileTable
        public var cellCount: Int
        public var siteCount: Int
    }

    /// One site's measurements, or why it failed.
    struct SiteOutcome { var table: CellMeasurementTable?; var error: Error? }

    public static let wellMetadata = ["Metadata_Plate", "Metadata_Well", "Metadata_Batch", "Metadata_Compound",
                                      "Metadata_Concentration", "Metadata_MoA"]

    /// One site's cells measured from its raw planes (16-bit intensities, scaled to 0...1
    /// here) and label images; `options.channelOrder` fixes the column order. What `run` does
    /// per site, and what a query by image does to an uploaded site.
    public static func measureSite(channels: [String: Image<Float>], nuclei: Image<Int32>, cells: Image<Int32>,
                                   options: CellMeasurementOptions) throws -> CellMeasurementTable {
        try CellMeasurements.measure(channels: channels.mapValues { $0.map { $0 / 65535 } }, nuclei: nuclei, cells: cells, options: options)
    }

    /// Per-cell metadata columns of the single-cell Parquet, in the order of the cells CSV,
    /// named as CellProfiler / pycytominer name them (the cell's label is its object number;
    /// its centre is the nucleus's, so `Nuclei_Location_Center_*`).
    public static let singleCellMetadata = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_ObjectNumber",
                                            "Nuclei_Location_Center_X", "Nuclei_Location_Center_Y",
                                            "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"]

    /// One plate's cells (rows of the cells CSV and float32 feature values, cells x
    /// `features`) as the single-cell table that pycytominer / CytoTable users load.
    public static func singleCellTable(meta: [[String]], values: [Float], features: [String]) -> ProfileTable {
        ProfileTable(metadataColumns: singleCellMetadata, metadata: meta, featureNames: features,
                     features: values.map { Double($0) })
    }

    /// Measures the sites of `manifest` (skipping `excluded` ones) with the labels in `masks`;
    /// writes per-cell files into `cellDirectory` if given; returns well profiles.
    public func run(manifest: Manifest, masks: MaskIndex, excluded: Set<SiteKey> = [], cellDirectory: URL? = nil,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Result {
        let rows = manifest.rows.filter { !excluded.contains($0.siteKey) }
        var opts = options
        opts.threads = 1
        opts.channelOrder = manifest.channels
        let results = UnsafeMutableBufferPointer<SiteOutcome?>.allocate(capacity: rows.count)
        defer { results.deallocate() }
        results.initialize(repeating: nil)
        let lock = NSLock()
        var done = 0
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { worker in
            var i = worker
            while i < rows.count {
                let row = rows[i]
                do {
                    guard let entry = masks.entries[row.siteKey] else {
                        throw ProfilingError("no masks for site \(row.siteKey) (manifest line \(row.line))")
                    }
                    var channels: [String: Image<Float>] = [:]
                    for ch in manifest.channels {
                        guard let url = manifest.imageURL(row, channel: ch) else {
                            throw ProfilingError("\(manifest.source):\(row.line): no image for channel \(ch)")
                        }
                        channels[ch] = try PlaneReader.readFloat(url)
                    }
                    let nuclei = try TIFFReader.readLabels(entry.nuclei)
                    let cells = try TIFFReader.readLabels(entry.cells)
                    results[i] = SiteOutcome(table: try Self.measureSite(channels: channels, nuclei: nuclei, cells: cells, options: opts))
                } catch {
                    results[i] = SiteOutcome(error: error)
                }
                lock.lock(); done += 1; let d = done; lock.unlock()
                progress?(d, rows.count)
                i += max(1, threads)
            }
        }
        if let failed = results.first(where: { $0?.error != nil }), let error = failed?.error { throw error }
        guard let columns = results.first(where: { $0?.table != nil })??.table?.columns else {
            throw ProfilingError("no site had any cell to measure")
        }
        // Wells: mean over all cells of the well's sites.
        var order: [String] = []
        // Per feature, the mean over the cells where it is defined (a cell without cytoplasm
        // has NaN cytoplasm features; it should not blank the whole well).
        var sums: [String: (meta: [String], means: FeatureMeans)] = [:]
        var cellRowsByPlate: [String: (meta: [[String]], values: [Float])] = [:]
        var totalCells = 0
        for (i, row) in rows.enumerated() {
            guard let table = results[i]?.table, table.rowCount > 0 else { continue }
            let key = "\(row.plate)\u{0}\(row.well)"
            if sums[key] == nil {
                order.append(key)
                sums[key] = ([row.plate, row.well.description, row.batch, row.compound, row.concentrationText, row.moa],
                             FeatureMeans(features: columns.count))
            }
            let n = columns.count
            sums[key]?.means.add(table)
            totalCells += table.rowCount
            if cellDirectory != nil {
                var plate = cellRowsByPlate[row.plate] ?? ([], [])
                for c in 0..<table.rowCount {
                    plate.meta.append([row.plate, row.well.description, String(row.site), String(table.labels[c]),
                                       String(format: "%.2f", table.centroids[c].x), String(format: "%.2f", table.centroids[c].y),
                                       row.batch, row.compound, row.concentrationText, row.moa])
                    plate.values.append(contentsOf: table.values[(c * n)..<((c + 1) * n)].map { Float($0) })
                }
                cellRowsByPlate[row.plate] = plate
            }
        }
        var meta: [[String]] = []
        var features: [Double] = []
        for key in order {
            guard let e = sums[key] else { continue }
            meta.append(e.meta + [String(e.means.count)])
            features += e.means.means
        }
        let wells = ProfileTable(metadataColumns: ScreenMeasurement.wellMetadata + [Aggregation.countColumn], metadata: meta,
                                 featureNames: columns, features: features)
        if let dir = cellDirectory {
            for (plate, cells) in cellRowsByPlate {
                try NPYArray(float32: cells.values, shape: [cells.meta.count, columns.count])
                    .write(to: dir.appendingPathComponent("\(plate).npy"))
                var t = CSVTable(header: ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Cell", "Location_X", "Location_Y",
                                          "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"])
                t.rows = cells.meta
                t.lineNumbers = t.rows.indices.map { $0 + 2 }
                try t.write(to: dir.appendingPathComponent("\(plate)_cells.csv"))
                // Concentration always a double: one schema over every plate's file.
                try ParquetWriter.write(Self.singleCellTable(meta: cells.meta, values: cells.values, features: columns),
                                        to: dir.appendingPathComponent("\(plate)_cells.parquet"),
                                        doubleMetadata: ["Metadata_Concentration"])
            }
            try AtomicFile.write(columns.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("features.txt"))
        }
        return Result(wells: wells, cellCount: totalCells, siteCount: rows.count)
    }
}
