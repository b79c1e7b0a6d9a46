import Foundation
import Imaging

/// Segments every site of a manifest and writes the DESIGN.md Masks contract: label TIFFs
/// per site and object kind, `masks.csv`, and `cells.csv` (nucleus centres and treatment).
///
/// Sites run in parallel; results are collected in manifest order, so the files do not
/// depend on scheduling.
public struct ScreenSegmentation: Sendable {
    public var segmentation = Segmentation()
    /// Channel holding the DNA stain.
    public var nucleusChannel = "DNA"
    /// Channels whose sum outlines the cells (default: every other channel).
    public var cytoplasmChannels: [String]? = nil
    public var threads = 2
    /// Given nucleus centres per site: nuclei are grown from them (`Segmentation.nuclei(_:seeds:)`)
    /// and `cells.csv` lists exactly these locations, in their order; a site without any has no cells.
    public var locations: CellLocations? = nil
    /// When set, nuclei come from this trained network instead of `segmentation.nuclei`
    /// (given `locations` still take precedence); cells grow from them as from classic nuclei.
    public var nucleusSegmenter: NucleusSegmenter? = nil

    public init() {}

    public struct Summary: Sendable {
        public var sites: Int
        public var cells: Int
        public var masks: MaskIndex
    }

    /// One site's nuclei and cells from its DNA plane and the planes that outline the cells
    /// (raw intensities): nuclei grown from `seeds` when given, else from `nucleusSegmenter`
    /// when set, else by `segmentation`; cells by propagation over the cytoplasm planes (the
    /// nuclei themselves when there are none). What `run` does per site, and what a query by
    /// image does to an uploaded site.
    public func segment(dna: Image<Float>, cytoplasm: [Image<Float>], seeds: [SIMD2<Float>]? = nil) -> (nuclei: Image<Int32>, cells: Image<Int32>) {
        let nuclei = seeds.map { segmentation.nuclei(dna, seeds: $0) }
            ?? nucleusSegmenter?.nuclei(dna) ?? segmentation.nuclei(dna)
        return (nuclei, cytoplasm.isEmpty ? nuclei : segmentation.cells(nuclei: nuclei, cytoplasm: cytoplasm))
    }

    public func run(manifest: Manifest, out: URL, progress: (@Sendable () -> Void)? = nil) throws -> Summary {
        guard manifest.channels.contains(nucleusChannel) else {
            throw CSVError(source: manifest.source, line: 1, message: "no Image_\(nucleusChannel) column for the nucleus channel; channels are \(manifest.channels.joined(separator: ", "))")
        }
        let cytoplasm = cytoplasmChannels ?? manifest.channels.filter { $0 != nucleusChannel }
        let rows = manifest.rows
        let outcomes = UnsafeMutableBufferPointer<Result<[[String]], Error>?>.allocate(capacity: rows.count)
        defer { outcomes.deinitialize().deallocate() }
        outcomes.initialize(repeating: nil)
        let workers = max(1, threads)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < rows.count {
                let row = rows[i]
                outcomes[i] = Result {
                    func plane(_ ch: String) throws -> (Image<Float>, URL) {
                        guard let url = manifest.imageURL(row, channel: ch) else {
                            throw CSVError(source: manifest.source, line: row.line, message: "no image for channel \(ch)")
                        }
                        return (try PlaneReader.readFloat(url, maxPixels: manifest.maxPixels), url)
                    }
                    // Propagation indexes every cytoplasm plane by the nuclei's pixels: a
                    // channel image of another size is an error naming both files.
                    let (dna, dnaURL) = try plane(nucleusChannel)
                    let outlines = try cytoplasm.map { ch -> Image<Float> in
                        let (image, url) = try plane(ch)
                        try Manifest.requireSameSize((image.width, image.height), url, as: (dna.width, dna.height), dnaURL, channel: nucleusChannel)
                        return image
                    }
                    let given = locations.map { $0.sites[row.siteKey] ?? [] }
                    let (nuclei, cells) = try segment(dna: dna, cytoplasm: outlines,
                                                      seeds: given.map { g in g.map { SIMD2(Float($0.x), Float($0.y)) } })
                    let stem = "\(row.plate)/\(row.well)_s\(row.site)"
                    try TIFFWriter.write(nuclei, to: out.appendingPathComponent("masks/\(stem)_nuclei.tif"), options: .init(compression: .deflate))
                    try TIFFWriter.write(cells, to: out.appendingPathComponent("masks/\(stem)_cells.tif"), options: .init(compression: .deflate))
                    func cellRow(_ label: Int, _ x: Double, _ y: Double) -> [String] {
                        [row.plate, row.well.description, String(row.site), String(label),
                         String(format: "%.2f", x), String(format: "%.2f", y),
                         row.batch, row.compound, row.concentrationText, row.moa]
                    }
                    if let given { return given.enumerated().map { cellRow($0 + 1, $1.x, $1.y) } }
                    return objectCentroids(nuclei).map { cellRow(Int($0.label), $0.x, $0.y) }
                }
                progress?()
                i += workers
            }
        }
        var cellsTable = CSVTable(header: ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Cell", "Location_X", "Location_Y",
                                           "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"])
        var masks = MaskIndex()
        for (i, row) in rows.enumerated() {
            cellsTable.rows += try outcomes[i]!.get()
            let stem = "\(row.plate)/\(row.well)_s\(row.site)"
            masks.entries[row.siteKey] = .init(nuclei: out.appendingPathComponent("masks/\(stem)_nuclei.tif"),
                                               cells: out.appendingPathComponent("masks/\(stem)_cells.tif"))
        }
        cellsTable.lineNumbers = cellsTable.rows.indices.map { $0 + 2 }
        try cellsTable.write(to: out.appendingPathComponent("cells.csv"))
        // masks.csv last: its presence means the folder is complete.
        try masks.write(to: out.appendingPathComponent("masks.csv"))
        return Summary(sites: rows.count, cells: cellsTable.rows.count, masks: masks)
    }
}
