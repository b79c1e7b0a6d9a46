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
/// Parquet with CellProfiler column names and float32 features, so cell-level analyses do not
/// have to measure again. All three are written as the cells are measured (the Parquet a row
/// group at a time), so memory does not grow with a plate's cells.
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

    /// The single-cell Parquet's metadata columns (`singleCellMetadata`) with their types fixed
    /// by what each holds, not by one plate's values: names as strings, site and object
    /// number as INT64, centres and concentration as DOUBLE. Every plate's file has the same
    /// schema, so they read as one dataset (a plate whose concentrations are all whole numbers
    /// or whose batch names are digits still matches the others).
    public static let singleCellColumns: [ParquetStreamWriter.Column] = singleCellMetadata.map { name in
        switch name {
        case "Metadata_Site", "Metadata_ObjectNumber": return .init(name, .int64)
        case "Nuclei_Location_Center_X", "Nuclei_Location_Center_Y", "Metadata_Concentration": return .init(name, .double)
        default: return .init(name, .utf8)
        }
    }

    /// Measures the sites of `manifest` (skipping `excluded` ones) with the labels in `masks`;
    /// writes per-cell files into `cellDirectory` if given; returns well profiles.
    ///
    /// Sites are folded into the well means (and their cells onto the cell files) in manifest
    /// order as soon as every site before them is measured, then dropped, so memory holds the
    /// sites being measured and those waiting for a slower one before them, not a plate's cells.
    public func run(manifest: Manifest, masks: MaskIndex, excluded: Set<SiteKey> = [], cellDirectory: URL? = nil,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Result {
        let rows = manifest.rows.filter { !excluded.contains($0.siteKey) }
        var opts = options
        opts.threads = 1
        opts.channelOrder = manifest.channels
        let fold = SiteFold(rows: rows, cellDirectory: cellDirectory)
        let workers = max(1, threads)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < rows.count, !fold.failed {
                let row = rows[i]
                let outcome: SiteOutcome
                do {
                    guard let entry = masks.entries[row.siteKey] else {
                        throw ProfilingError("no masks for site \(row.siteKey) (manifest line \(row.line))")
                    }
                    var channels: [String: Image<Float>] = [:]
                    for ch in manifest.channels {
                        guard let url = manifest.imageURL(row, channel: ch) else {
                            throw ProfilingError("\(manifest.source):\(row.line): no image for channel \(ch)")
                        }
                        channels[ch] = try PlaneReader.readFloat(url, maxPixels: manifest.maxPixels)
                    }
                    let nuclei = try TIFFReader.readLabels(entry.nuclei)
                    let cells = try TIFFReader.readLabels(entry.cells)
                    outcome = SiteOutcome(table: try Self.measureSite(channels: channels, nuclei: nuclei, cells: cells, options: opts))
                } catch {
                    outcome = SiteOutcome(error: error)
                }
                let done = fold.put(outcome, at: i)
                progress?(done, rows.count)
                i += workers
            }
        }
        let (wells, totalCells) = try fold.finish()
        return Result(wells: wells, cellCount: totalCells, siteCount: rows.count)
    }
}

/// The in-order fold of `ScreenMeasurement.run`: sites arrive from the workers in any order;
/// each is added to its well's means, and its cells appended to its plate's cell files, once
/// every site before it has been, and is then dropped. The first error in manifest order wins.
private final class SiteFold: @unchecked Sendable {
    private let lock = NSLock()
    private let rows: [ManifestRow]
    private let cellDirectory: URL?
    private var waiting: [Int: ScreenMeasurement.SiteOutcome] = [:]
    private var next = 0
    private var arrived = 0
    private var error: Error?
    private var columns: [String]?
    private var order: [String] = []
    private var wells: [String: (meta: [String], means: FeatureMeans)] = [:]
    private var plates: [String: PlateCellFiles] = [:]
    private var plateOrder: [String] = []
    private var totalCells = 0

    /// One plate's cell files, open while its sites are folded.
    private struct PlateCellFiles {
        var npy: NPYRowWriter
        var csv: AtomicFileStream
        var parquet: ParquetStreamWriter

        func cancel() { npy.cancel(); csv.cancel(); parquet.cancel() }
    }

    static let cellCSVHeader = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Cell", "Location_X", "Location_Y",
                                "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"]

    init(rows: [ManifestRow], cellDirectory: URL?) { (self.rows, self.cellDirectory) = (rows, cellDirectory) }

    var failed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }

    /// Takes site `i`'s outcome and folds every site now ready; returns how many have arrived.
    func put(_ outcome: ScreenMeasurement.SiteOutcome, at i: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        arrived += 1
        waiting[i] = outcome
        while error == nil, let ready = waiting.removeValue(forKey: next) {
            do { try add(ready, row: rows[next]) } catch { self.error = error }
            next += 1
        }
        return arrived
    }

    private func add(_ outcome: ScreenMeasurement.SiteOutcome, row: ManifestRow) throws {
        if let e = outcome.error { throw e }
        guard let table = outcome.table else { return }
        if columns == nil { columns = table.columns }
        guard table.columns == columns else {
            throw ProfilingError("\(row.plate) \(row.well) site \(row.site): measured columns differ from the first site's")
        }
        guard table.rowCount > 0 else { return }
        let n = table.columns.count
        let key = "\(row.plate)\u{0}\(row.well)"
        if wells[key] == nil {
            order.append(key)
            wells[key] = ([row.plate, row.well.description, row.batch, row.compound, row.concentrationText, row.moa],
                          FeatureMeans(features: n))
        }
        wells[key]?.means.add(table)
        totalCells += table.rowCount
        guard let dir = cellDirectory else { return }
        if plates[row.plate] == nil {
            let files = PlateCellFiles(
                npy: try NPYRowWriter(url: dir.appendingPathComponent("\(row.plate).npy"), columns: n),
                csv: try AtomicFileStream(url: dir.appendingPathComponent("\(row.plate)_cells.csv")),
                parquet: try ParquetStreamWriter(url: dir.appendingPathComponent("\(row.plate)_cells.parquet"),
                                                 metadata: ScreenMeasurement.singleCellColumns, features: table.columns,
                                                 featureType: .float))
            plates[row.plate] = files
            plateOrder.append(row.plate)
            try files.csv.write(Self.cellCSVHeader.joined(separator: ",") + "\n")
        }
        guard let files = plates[row.plate] else { return }
        var text = ""
        for c in 0..<table.rowCount {
            let meta = [row.plate, row.well.description, String(row.site), String(table.labels[c]),
                        String(format: "%.2f", table.centroids[c].x), String(format: "%.2f", table.centroids[c].y),
                        row.batch, row.compound, row.concentrationText, row.moa]
            text += meta.map(CSVTable.quoted).joined(separator: ",") + "\n"
            try files.parquet.appendRow(metadata: meta, features: table.values[c * n ..< (c + 1) * n])
        }
        try files.csv.write(text)
        let floats = table.values.map { Float($0) }
        try floats.withUnsafeBufferPointer { try files.npy.append($0) }
    }

    /// The well profiles and cell count; the cell files put in place. Throws the first error
    /// in manifest order (and leaves no cell file of this call).
    func finish() throws -> (ProfileTable, Int) {
        lock.lock(); defer { lock.unlock() }
        do {
            if let error { throw error }
            guard let columns else { throw ProfilingError("no site had any cell to measure") }
            var meta: [[String]] = []
            var features: [Double] = []
            for key in order {
                guard let e = wells[key] else { continue }
                meta.append(e.meta + [String(e.means.count)])
                features += e.means.means
            }
            let table = ProfileTable(metadataColumns: ScreenMeasurement.wellMetadata + [Aggregation.countColumn], metadata: meta,
                                     featureNames: columns, features: features)
            if let dir = cellDirectory {
                for plate in plateOrder {
                    guard let files = plates[plate] else { continue }
                    try files.npy.finish()
                    try files.csv.finish()
                    try files.parquet.finish()
                }
                try AtomicFile.write(columns.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("features.txt"))
            }
            return (table, totalCells)
        } catch {
            for files in plates.values { files.cancel() }
            throw error
        }
    }
}
