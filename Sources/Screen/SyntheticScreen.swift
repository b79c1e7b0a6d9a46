import Core
import Foundation
import Imaging

/// A synthetic high-content screen: a `ScreenLayout` plus the rendering settings, able to
/// render any site on its own and to write the whole screen as TIFFs, `manifest.csv` and
/// ground truth (`ground_truth/masks.csv`, `sites.csv`, `treatments.csv`, `wells.csv`,
/// `cells.csv`, `phenotypes.csv`, label masks).
///
/// `phenotypes.csv` holds each well's true phenotype parameters, the `Morphology` its cells
/// were drawn from (treatment dose response, batch and well shifts included): the well
/// metadata columns, then one `Truth_<field>` column per `Morphology.fieldNames` entry. A
/// profile built from it is the ceiling a perfect feature extractor with unlimited cells
/// could reach on this screen.
///
/// Every site draws from its own stream keyed by (seed, plate, well, site), so sites
/// render in parallel and the files are identical for a seed whatever the thread count.
public struct SyntheticScreen: Sendable {
    public var layout: ScreenLayout
    public var width: Int
    public var height: Int
    /// Mean cells per site for a control well (treatments scale it by `Morphology.density`).
    public var cellsPerSite: Int
    /// Fraction of sites given a defect (blur, debris, saturated in equal shares).
    public var defectRate: Float
    public var seed: UInt64

    public init(layout: ScreenLayout, width: Int = 640, height: Int = 512, cellsPerSite: Int? = nil,
                defectRate: Float = 0.04, seed: UInt64) {
        precondition(width >= 16 && height >= 16, "sites must be at least 16 x 16 pixels")
        self.layout = layout
        self.width = width
        self.height = height
        // About 100 MCF-7 cells in a 640 x 512 field at control density.
        self.cellsPerSite = cellsPerSite ?? max(1, Int((100 * Double(width * height) / (640 * 512)).rounded()))
        self.defectRate = defectRate
        self.seed = seed
    }

    /// Header of `manifest.csv` (DESIGN.md).
    public static let manifestColumns = [
        "Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Batch", "Metadata_Compound",
        "Metadata_Concentration", "Metadata_MoA", "Image_DNA", "Image_Tubulin", "Image_Actin",
    ]
    public static let masksColumns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Mask_Nuclei", "Mask_Cells"]
    public static let sitesColumns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Defect"]
    public static let treatmentsColumns = ["Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"]
    public static let wellsColumns = [
        "Metadata_Plate", "Metadata_Well", "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA",
    ]
    public static let phenotypesColumns = wellsColumns + Morphology.fieldNames.map { "Truth_\($0)" }
    public static let cellsColumns = [
        "Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Cell", "Location_X", "Location_Y",
        "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA",
    ]

    /// The phenotype of a well: its treatment's, shifted a little per batch (biology
    /// drifts between weeks too) and per well.
    public func morphology(of well: ScreenLayout.Well) -> Morphology {
        var m = layout.morphology(of: well.treatment)
        var batch = SeededRandom(seed: seed, stream: [SeededRandom.hash(well.batch), 0xB10])
        m.nucleusSize *= batch.logNormal(0.04)
        m.cellSize *= batch.logNormal(0.05)
        m.cytoplasmIntensity *= batch.logNormal(0.08)
        var rng = SeededRandom(seed: seed, stream: [SeededRandom.hash(well.plate), UInt64(well.position.row),
                                                    UInt64(well.position.column), 0x3E11])
        m.nucleusSize *= rng.logNormal(0.02)
        m.cellSize *= rng.logNormal(0.03)
        m.density *= rng.logNormal(0.1)
        return m.clamped()
    }

    /// The defect of a site, if it has one.
    public func defect(plate: String, well: WellPosition, site: Int) -> SiteDefect? {
        var rng = siteRNG(plate: plate, well: well, site: site, purpose: 0xDEFEC7)
        let u = rng.uniform()
        guard u < defectRate else { return nil }
        return SiteDefect.allCases[min(2, Int(u / defectRate * 3))]
    }

    /// Renders one site of `well` using `optics` (from `optics(for:)`, shared per plate).
    public func render(well: ScreenLayout.Well, site: Int, optics: PlateOptics) -> RenderedSite {
        let m = morphology(of: well)
        var rng = siteRNG(plate: well.plate, well: well.position, site: site, purpose: 0x517E)
        let count = max(1, rng.poisson(Float(cellsPerSite) * m.density))
        return SiteRenderer.render(morphology: m, cellCount: count, optics: optics,
                                   defect: defect(plate: well.plate, well: well.position, site: site), rng: &rng)
    }

    /// The optics of a plate.
    public func optics(for plate: ScreenLayout.Plate) -> PlateOptics {
        PlateOptics(plate: plate.name, batch: plate.batch, width: width, height: height, seed: seed)
    }

    private func siteRNG(plate: String, well: WellPosition, site: Int, purpose: UInt64) -> SeededRandom {
        SeededRandom(seed: seed, stream: [SeededRandom.hash(plate), UInt64(well.row), UInt64(well.column),
                                          UInt64(site), purpose])
    }

    /// What `write` produced.
    public struct Summary: Sendable {
        public var plates: Int
        public var wells: Int
        public var sites: Int
        public var cells: Int
        public var defects: Int
    }

    /// Writes the screen under `directory`. Images go to `images/<plate>/`, masks to
    /// `ground_truth/masks/<plate>/`; `manifest.csv` is written last, so its presence
    /// means the screen is complete. `progress` is called (from any thread) with sites
    /// done and total.
    public func write(to directory: URL, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Summary {
        struct Job { var well: ScreenLayout.Well; var site: Int }
        struct Done { var cells: [[String]]; var defect: SiteDefect? }
        let total = layout.siteCount
        let truth = directory.appendingPathComponent("ground_truth")
        // Sites' defects, in layout order; cells go to cells.csv plate by plate, so memory
        // holds one plate's cells whatever the number of plates.
        var defects: [SiteDefect?] = []
        defects.reserveCapacity(total)
        var cellCount = 0
        let completed = Counter()
        try FileManager.default.createDirectory(at: truth, withIntermediateDirectories: true)
        try AtomicFile.write(to: truth.appendingPathComponent("cells.csv")) { tmp in
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil), let out = FileHandle(forWritingAtPath: tmp.path) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: tmp.path])
            }
            defer { try? out.close() }
            try out.write(contentsOf: Data(CSVTable(header: SyntheticScreen.cellsColumns).encoded().utf8))
            for plate in layout.plates {
                let jobs = layout.wells.filter { $0.plate == plate.name }.flatMap { w in w.sites.map { Job(well: w, site: $0) } }
                let optics = self.optics(for: plate)
                let collector = Collector<Done>(count: jobs.count)
                DispatchQueue.concurrentPerform(iterations: jobs.count) { j in
                    guard !collector.failed else { return }
                    let job = jobs[j]
                    do {
                        let site = render(well: job.well, site: job.site, optics: optics)
                        let stem = SyntheticScreen.stem(job.well, job.site)
                        for (c, name) in PlateOptics.channelNames.enumerated() {
                            try TIFFWriter.write(site.channels[c],
                                                 to: directory.appendingPathComponent("images/\(job.well.plate)/\(stem)_\(name).tif"))
                        }
                        let masks = directory.appendingPathComponent("ground_truth/masks/\(job.well.plate)")
                        try TIFFWriter.write(site.nuclei, to: masks.appendingPathComponent("\(stem)_nuclei.tif"))
                        try TIFFWriter.write(site.cells, to: masks.appendingPathComponent("\(stem)_cells.tif"))
                        let t = job.well.treatment
                        let rows = site.centres.enumerated().map { k, c in
                            [job.well.plate, job.well.position.description, String(job.site), String(k + 1),
                             String(format: "%.2f", c.x), String(format: "%.2f", c.y),
                             job.well.batch, t.compound, t.concentrationText, t.moa]
                        }
                        collector.set(j, Done(cells: rows, defect: defect(plate: job.well.plate, well: job.well.position, site: job.site)))
                        if let progress { progress(completed.increment(), total) }
                    } catch {
                        collector.fail(error)
                    }
                }
                if let error = collector.error { throw error }
                // Jobs are in layout order (wells by position, then sites), as the tables below.
                var rows = CSVTable(header: [])
                for done in collector.values {
                    guard let done else { continue }
                    defects.append(done.defect)
                    rows.rows += done.cells
                }
                cellCount += rows.rows.count
                // An empty header encodes as a lone newline, dropped: the rows alone.
                try out.write(contentsOf: Data(rows.encoded().dropFirst().utf8))
            }
        }

        var manifest = CSVTable(header: SyntheticScreen.manifestColumns)
        var masks = CSVTable(header: SyntheticScreen.masksColumns)
        var sites = CSVTable(header: SyntheticScreen.sitesColumns)
        var wellsTable = CSVTable(header: SyntheticScreen.wellsColumns)
        var phenotypes = CSVTable(header: SyntheticScreen.phenotypesColumns)
        var k = 0
        for plate in layout.plates {
            for w in layout.wells where w.plate == plate.name {
                let t = w.treatment
                let wellRow = [w.plate, w.position.description, w.batch, t.compound, t.concentrationText, t.moa]
                wellsTable.rows.append(wellRow)
                let m = morphology(of: w)
                phenotypes.rows.append(wellRow + Morphology.fields.map { String(m[keyPath: $0]) })
                for s in w.sites {
                    let stem = SyntheticScreen.stem(w, s)
                    let id = [w.plate, w.position.description, String(s)]
                    manifest.rows.append(id + [w.batch, t.compound, t.concentrationText, t.moa]
                        + PlateOptics.channelNames.map { "images/\(w.plate)/\(stem)_\($0).tif" })
                    masks.rows.append(id + ["masks/\(w.plate)/\(stem)_nuclei.tif", "masks/\(w.plate)/\(stem)_cells.tif"])
                    sites.rows.append(id + [defects[k]?.rawValue ?? ""])
                    k += 1
                }
            }
        }
        var treatments = CSVTable(header: SyntheticScreen.treatmentsColumns)
        treatments.rows = layout.treatments.map { [$0.compound, $0.concentrationText, $0.moa] }
        try masks.write(to: truth.appendingPathComponent("masks.csv"))
        try sites.write(to: truth.appendingPathComponent("sites.csv"))
        try treatments.write(to: truth.appendingPathComponent("treatments.csv"))
        try wellsTable.write(to: truth.appendingPathComponent("wells.csv"))
        try phenotypes.write(to: truth.appendingPathComponent("phenotypes.csv"))
        try manifest.write(to: directory.appendingPathComponent("manifest.csv"))
        return Summary(plates: layout.plates.count, wells: layout.wells.count, sites: total,
                       cells: cellCount, defects: sites.rows.filter { !$0[3].isEmpty }.count)
    }

    /// File name stem of a site, e.g. `B03_s2`.
    static func stem(_ well: ScreenLayout.Well, _ site: Int) -> String { "\(well.position)_s\(site)" }
}

/// A count shared by parallel jobs (sites done, for progress).
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// Adds one; returns the new count.
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}

/// Results of parallel jobs, stored by index under a lock, plus the first error.
private final class Collector<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]
    private var firstError: Error?

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ v: Value) { lock.lock(); slots[i] = v; lock.unlock() }
    func fail(_ e: Error) { lock.lock(); if firstError == nil { firstError = e }; lock.unlock() }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return firstError != nil }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return firstError }
    var values: [Value?] { lock.lock(); defer { lock.unlock() }; return slots }
}
