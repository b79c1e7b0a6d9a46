import Core
import ArgumentParser
import Foundation
import Screen

/// `phenoscope synth`: writes a synthetic high-content screen that looks like BBBC021
/// (MCF-7 cells; DNA, tubulin, actin; 16-bit TIFF per channel per site) with ground truth
/// beside it: label masks, true MoA per well and treatment, defective sites, cell centres.
///
/// `--preset standard` invents a screen of nine MoA classes; `--preset bbbc021` copies the
/// layout of the real BBBC021 MoA subset from its metadata tables. Same seed, same files.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic high-content screen (TIFFs, manifest.csv, ground truth)."
    )

    enum Preset: String, ExpressibleByArgument, CaseIterable { case standard, bbbc021 }

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Number of plates (bbbc021: a subset covering as many MoAs and compounds as possible; default all 55).")
    var plates: Int?

    @Option(parsing: .unconditional, help: "Random seed; the same seed writes the same files.")
    var seed: UInt64 = 1

    @Option(help: "Layout: standard (9 synthetic MoA classes) or bbbc021 (the real BBBC021 MoA subset).")
    var preset: Preset = .standard

    @Option(help: "Wells per plate for the standard preset: 96 or 384.")
    var wells: Int = 96

    @Option(help: "Sites per well (bbbc021: the first K of the real sites).")
    var sites: Int?

    @Option(help: "Site width in pixels (640 is half the BBBC021 resolution; 1280 matches it in size).")
    var width: Int = 640

    @Option(help: "Site height in pixels.")
    var height: Int = 512

    @Option(help: "Mean cells per control site (default: 90 per 640x512, scaled with area).")
    var cellsPerSite: Int?

    @Option(help: "Fraction of sites made defective (blur, debris, saturated).")
    var defectRate: Double = 0.04

    @Option(help: "Compounds per MoA for the standard preset (default 2 on 96-well, 3 on 384-well plates).")
    var compoundsPerMoa: Int?

    @Option(help: "Plates per batch for the standard preset.")
    var platesPerBatch: Int = 3

    @Option(help: "Directory holding BBBC021_v1_image.csv and BBBC021_v1_moa.csv (bbbc021 preset; default: the copies shipped with the program).")
    var bbbc021Metadata: String?

    @Flag(help: "Replace a screen already in --out.")
    var force = false

    @Flag(help: "No progress or summary on stderr.")
    var quiet = false

    func validate() throws {
        if let p = plates, !(1...ScreenLayout.maxPlates).contains(p) {
            throw ValidationError("--plates must be between 1 and \(ScreenLayout.maxPlates), got \(p)")
        }
        if let s = sites, !(1...ScreenLayout.maxSitesPerWell).contains(s) {
            throw ValidationError("--sites must be between 1 and \(ScreenLayout.maxSitesPerWell), got \(s)")
        }
        guard wells == 96 || wells == 384 else { throw ValidationError("--wells must be 96 or 384, got \(wells)") }
        guard width >= 16, height >= 16, width <= 8192, height <= 8192 else {
            throw ValidationError("--width and --height must be between 16 and 8192, got \(width)x\(height)")
        }
        if let c = cellsPerSite, !(1...20_000).contains(c) {
            throw ValidationError("--cells-per-site must be between 1 and 20000, got \(c)")
        }
        guard (0...1).contains(defectRate) else { throw ValidationError("--defect-rate must be in [0, 1], got \(defectRate)") }
        if let c = compoundsPerMoa, !(1...ScreenLayout.maxCompoundsPerMoA).contains(c) {
            throw ValidationError("--compounds-per-moa must be between 1 and \(ScreenLayout.maxCompoundsPerMoA), got \(c)")
        }
        guard platesPerBatch >= 1 else { throw ValidationError("--plates-per-batch must be at least 1") }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        let manifest = outURL.appendingPathComponent("manifest.csv")
        if FileManager.default.fileExists(atPath: manifest.path), !force {
            throw ValidationError("\(manifest.path) exists: --out already holds a screen (pass --force to replace it)")
        }
        let layout: ScreenLayout
        switch preset {
        case .standard:
            let format: PlateFormat = wells == 384 ? .wells384 : .wells96
            layout = ScreenLayout.standard(plates: plates ?? 1, format: format, sitesPerWell: sites ?? 4,
                                           compoundsPerMoA: compoundsPerMoa ?? (wells == 384 ? 3 : 2),
                                           platesPerBatch: platesPerBatch, seed: seed)
        case .bbbc021:
            let tables = try BBBC021Tables.locate(bbbc021Metadata)
            layout = try ScreenLayout.bbbc021(imageTable: tables.imageTable, moaTable: tables.moaTable,
                                              plates: plates, sites: sites, seed: seed)
        }
        let screen = SyntheticScreen(layout: layout, width: width, height: height, cellsPerSite: cellsPerSite,
                                     defectRate: Float(defectRate), seed: seed)
        let progress = ProgressLine("synth", total: layout.siteCount, quiet: quiet)
        let start = Date()
        let summary = try screen.write(to: outURL) { _, _ in progress.advance() }
        progress.finish()
        Log.info("synth: wrote \(summary.plates) plates, \(summary.wells) wells, \(summary.sites) sites, "
            + "\(summary.cells) cells, \(summary.defects) defective sites to \(out) in "
            + ElapsedTime.text(Date().timeIntervalSince(start)), quiet: quiet)
    }
}
