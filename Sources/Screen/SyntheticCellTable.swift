import Core
import Foundation

/// A synthetic per-cell feature table without images: for screens too large to render, the
/// cells' measurements only, written plate by plate as the run writes its cell files
/// (`<plate>.npy`, float32 cells x features, and `<plate>_cells.csv`, one metadata row per
/// cell), so aggregation, normalization, evaluation and indexing can be measured at any size.
///
/// The plates, wells and treatments are `ScreenLayout.standard`'s (384-well plates by default).
/// A cell's features are `gain_p * (effect_t + well_w + noise) + offset_p`: each MoA has a
/// random direction, each compound that direction plus its own part, scaled by a Hill curve
/// of the concentration (`effect_t`, zero for DMSO); each well a small random shift; each
/// plate a per-feature gain and offset (what per-plate normalization against DMSO removes).
/// Every random draw comes from a stream keyed by the seed and the plate (or MoA, compound,
/// well), so the files are the same for a seed whatever the order they are written in.
public struct SyntheticCellTable: Sendable {
    public var layout: ScreenLayout
    public var features: Int
    public var cellsPerWell: Int
    public var seed: UInt64

    public static let metadataColumns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Cell",
                                         "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"]

    public init(layout: ScreenLayout, features: Int, cellsPerWell: Int, seed: UInt64) {
        (self.layout, self.features, self.cellsPerWell, self.seed) = (layout, features, cellsPerWell, seed)
    }

    /// Feature names, `Cells_Synthetic_000` ...
    public var featureNames: [String] { (0..<features).map { String(format: "Cells_Synthetic_%03d", $0) } }

    /// The number of cells over all plates.
    public var cellCount: Int { layout.wells.count * cellsPerWell }

    /// The mean phenotype of a treatment before plate and well effects.
    public func effect(of t: Treatment) -> [Float] {
        guard !t.isControl else { return [Float](repeating: 0, count: features) }
        var moa = SeededRandom(seed: seed, stream: [SeededRandom.hash(t.moa), 0x30A])
        var compound = SeededRandom(seed: seed, stream: [SeededRandom.hash(t.compound), 0xC0])
        // Hill curve with EC50 0.5 (the standard doses 0.1 ... 3 go from weak to near full).
        let hill = Float(t.concentration / (t.concentration + 0.5))
        return (0..<features).map { _ in hill * (0.8 * moa.normal() + 0.4 * compound.normal()) }
    }

    /// Writes every plate's files into `directory`; `progress` gets the cells written so far.
    /// Returns each plate's files in layout order.
    @discardableResult
    public func write(to directory: URL, progress: (Int) -> Void = { _ in }) throws -> [(plate: String, values: URL, metadata: URL)] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var effects: [Treatment: [Float]] = [:]
        for t in layout.treatments { effects[t] = effect(of: t) }
        var written: [(plate: String, values: URL, metadata: URL)] = []
        var done = 0
        for plate in layout.plates {
            let wells = layout.wells.filter { $0.plate == plate.name }
            var rng = SeededRandom(seed: seed, stream: [SeededRandom.hash(plate.name), 0x91A7E])
            let gain = (0..<features).map { _ in rng.logNormal(0.2) }
            let offset = (0..<features).map { _ in 2 + 0.5 * rng.normal() }
            var values = [Float](repeating: 0, count: wells.count * cellsPerWell * features)
            var text = Self.metadataColumns.joined(separator: ",") + "\n"
            var c = 0
            for w in wells {
                var wr = SeededRandom(seed: seed, stream: [SeededRandom.hash(plate.name), UInt64(w.position.row), UInt64(w.position.column), 0xCE11])
                let shift = (0..<features).map { _ in 0.15 * wr.normal() }
                let effect = effects[w.treatment] ?? [Float](repeating: 0, count: features)
                let t = w.treatment
                let tail = ",\(w.batch),\(CSVTable.quoted(t.compound)),\(t.concentrationText),\(CSVTable.quoted(t.moa))\n"
                let head = "\(CSVTable.quoted(plate.name)),\(w.position),1,"
                for k in 0..<cellsPerWell {
                    for f in 0..<features {
                        values[c * features + f] = gain[f] * (effect[f] + shift[f] + wr.fastNormal()) + offset[f]
                    }
                    text += head + String(k + 1) + tail
                    c += 1
                }
            }
            let files = (plate.name,
                         directory.appendingPathComponent("\(plate.name).npy"),
                         directory.appendingPathComponent("\(plate.name)_cells.csv"))
            try NPYArray(float32: values, shape: [c, features]).write(to: files.1)
            try AtomicFile.write(text, to: files.2)
            written.append(files)
            done += c
            progress(done)
        }
        return written
    }
}
