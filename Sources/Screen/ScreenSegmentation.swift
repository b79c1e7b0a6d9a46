import Foundation
import Imaging
import Tensor

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

    public init() {}

    public struct Summary: Sendable {
        public var sites: Int
        public var cells: Int
        public var masks: MaskIndex
    }

    public func run(manifest: Manifest, out: URL, progress: (@Sendable () -> Void)? = nil) throws -> Summary {
        guard manifest.channels.contains(nucleusChannel) else {
            throw CSVError(source: manifest.source, line: 1, message: "no Image_\(nucleusChannel) column for the nucleus channel; channels are \(manifest.channels.joined(separator: ", "))")
        }
        let cytoplasm = cytoplasmChannels ?? manifest.channels.filter { $0 != nucleusChannel }
        let rows = manifest.rows
        let outcomes = UnsafeMutableBufferPointer<Result<[[String]], Error>?>.allocate(capacity: rows.count)
        defer { outcomes.deallocate() }
        outcomes.initialize(repeating: nil)
        let workers = max(1, threads)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < rows.count {
                let row = rows[i]
                outcomes[i] = Result {
                    func plane(_ ch: String) throws -> Image<Float> {
                        guard let url = manifest.imageURL(row, channel: ch) else {
                            throw CSVError(source: manifest.source, line: row.line, message: "no image for channel \(ch)")
                        }
                        return try TIFFReader.readFloat(url)
                    }
                    let nuclei = segmentation.nuclei(try plane(nucleusChannel))
                    let cells = cytoplasm.isEmpty ? nuclei : segmentation.cells(nuclei: nuclei, cytoplasm: try cytoplasm.map(plane))
                    let stem = "\(row.plate)/\(row.well)_s\(row.site)"
                    try TIFFWriter.write(nuclei, to: out.appendingPathComponent("masks/\(stem)_nuclei.tif"), options: .init(compression: .deflate))
                    try TIFFWriter.write(cells, to: out.appendingPathComponent("masks/\(stem)_cells.tif"), options: .init(compression: .deflate))
                    // Nucleus centres, label order.
                    var sx: [Int32: (Double, Double, Int)] = [:]
                    for y in 0..<nuclei.height { for x in 0..<nuclei.width {
                        let l = nuclei.pixels[y * nuclei.width + x]
                        guard l != 0 else { continue }
                        let e = sx[l] ?? (0, 0, 0)
                        sx[l] = (e.0 + Double(x), e.1 + Double(y), e.2 + 1)
                    } }
                    return sx.keys.sorted().map { l in
                        let e = sx[l]!
                        return [row.plate, row.well.description, String(row.site), String(l),
                                String(format: "%.2f", e.0 / Double(e.2)), String(format: "%.2f", e.1 / Double(e.2)),
                                row.batch, row.compound, row.concentrationText, row.moa]
                    }
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
