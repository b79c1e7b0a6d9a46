import Foundation
import Imaging

/// Single-cell crops for a whole screen: a `size` x `size` box of every channel centred on
/// each nucleus, written as a `CropStore` (sharded `.npy` plus `cells.csv`).
///
/// Centres come from masks (nucleus centroids, in label order, as `segment` lists them in
/// `cells.csv`) or from given locations (DeepProfiler's way; row order of the file). With
/// `maskNeighbours`, pixels of other cells (from the cell masks) are zeroed in each crop.
///
/// Streaming: plates one after another, sites of a plate in batches of `batchSites`
/// processed in parallel and appended in manifest order, so at most one batch of crops and
/// one shard are in memory, and the store is the same whatever the thread count.
public struct CropExtraction: Sendable {
    /// Where cell centres (and, for masking, cell labels) come from.
    public enum CellSource: Sendable {
        case masks(MaskIndex)
        case locations(CellLocations)
    }

    public var size = 96
    /// The largest crop side accepted (`crops --size`, `crops.size`): a crop is
    /// channels x size^2 samples per cell, so a side from a config must be bounded.
    public static let maxSize = 2_048
    public var maskNeighbours = false
    public var dtype = CropStore.DType.u16
    public var shardSize = 4096
    public var threads = 2
    /// Sites processed in parallel per batch.
    public var batchSites = 16
    /// Sites left out (e.g. flagged by QC).
    public var excluded: Set<SiteKey> = []

    public init() {}

    /// The per-cell columns of `cells.csv` (DESIGN.md, Cells), before the store's own.
    public static let metadataColumns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Cell", "Location_X", "Location_Y",
                                         "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"]

    public struct Summary: Sendable {
        public var sites: Int
        public var cells: Int
        public var store: CropStore
    }

    /// Writes the store to `out`. `progress` gets (sites done, sites to do), from one thread.
    public func run(manifest: Manifest, source: CellSource, out: URL,
                    progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        if maskNeighbours, case .locations = source {
            throw CSVError(source: manifest.source, line: 0, message: "masking neighbours needs cell masks, not locations")
        }
        let rows = manifest.rows.filter { !excluded.contains($0.siteKey) }
        if case .masks(let index) = source, let missing = rows.first(where: { index.entries[$0.siteKey] == nil }) {
            throw CSVError(source: manifest.source, line: missing.line, message: "no masks for site \(missing.siteKey) in masks.csv")
        }
        var writer = try CropStoreWriter(directory: out, channels: manifest.channels, size: size,
                                         metadataColumns: Self.metadataColumns, shardSize: shardSize, dtype: dtype)
        var done = 0
        for plate in manifest.plates {
            let plateRows = rows.filter { $0.plate == plate }
            for start in stride(from: 0, to: plateRows.count, by: max(1, batchSites)) {
                let batch = Array(plateRows[start..<min(plateRows.count, start + max(1, batchSites))])
                let results = UnsafeMutableBufferPointer<Result<[(crop: [UInt16], metadata: [String])], Error>?>.allocate(capacity: batch.count)
                defer { results.deinitialize().deallocate() }
                results.initialize(repeating: nil)
                let workers = max(1, min(threads, batch.count))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for i in stride(from: worker, to: batch.count, by: workers) {
                        results[i] = Result { try crops(of: batch[i], manifest: manifest, source: source) }
                    }
                }
                for i in 0..<batch.count {
                    for cell in try results[i]!.get() { try writer.append(cell.crop, metadata: cell.metadata) }
                    done += 1
                    progress?(done, rows.count)
                }
            }
        }
        let store = try writer.finish()
        return Summary(sites: rows.count, cells: store.header.count, store: store)
    }

    /// The crops of one site, in cell order.
    func crops(of row: ManifestRow, manifest: Manifest, source: CellSource) throws -> [(crop: [UInt16], metadata: [String])] {
        let planes = try manifest.channels.map { ch -> Image<UInt16> in
            guard let url = manifest.imageURL(row, channel: ch) else {
                throw CSVError(source: manifest.source, line: row.line, message: "no image for channel \(ch)")
            }
            return try PlaneReader.readUInt16(url, maxPixels: manifest.maxPixels)
        }
        guard let first = planes.first else { return [] }
        if let odd = planes.firstIndex(where: { $0.width != first.width || $0.height != first.height }) {
            throw CSVError(source: manifest.source, line: row.line,
                           message: "Image_\(manifest.channels[odd]) is \(planes[odd].width) x \(planes[odd].height), Image_\(manifest.channels[0]) is \(first.width) x \(first.height)")
        }
        var centres: [(label: Int32, x: Double, y: Double)]
        var cellLabels: Image<Int32>? = nil
        switch source {
        case .locations(let locations):
            centres = (locations.sites[row.siteKey] ?? []).enumerated().map { (Int32($0 + 1), $1.x, $1.y) }
        case .masks(let index):
            let entry = index.entries[row.siteKey]!
            let nuclei = try TIFFReader.readLabels(entry.nuclei)
            guard nuclei.width == first.width, nuclei.height == first.height else {
                throw CSVError(source: entry.nuclei.path, line: 0, message: "mask is \(nuclei.width) x \(nuclei.height), the site's images are \(first.width) x \(first.height)")
            }
            centres = objectCentroids(nuclei)
            if maskNeighbours {
                let cells = try TIFFReader.readLabels(entry.cells)
                guard cells.width == first.width, cells.height == first.height else {
                    throw CSVError(source: entry.cells.path, line: 0, message: "mask is \(cells.width) x \(cells.height), the site's images are \(first.width) x \(first.height)")
                }
                cellLabels = cells
            }
        }
        let cropper = CellCrop(size: size)
        return centres.map { c in
            let crop = cropper.extract(planes, centreX: Int(c.x.rounded()), centreY: Int(c.y.rounded()),
                                       labels: cellLabels, keep: cellLabels == nil ? nil : c.label)
            let metadata = [row.plate, row.well.description, String(row.site), String(c.label),
                            String(format: "%.2f", c.x), String(format: "%.2f", c.y),
                            row.batch, row.compound, row.concentrationText, row.moa]
            return (crop, metadata)
        }
    }
}
