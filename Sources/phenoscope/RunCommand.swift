import ArgumentParser
import Foundation
import Imaging
import Profiling
import Screen
import Tensor

/// `phenoscope run CONFIG.yaml`: the whole flow for one screen, resumable.
///
/// Reads the config (see `RunConfig`), writes the resolved config to `runs/<name>/config.yaml`,
/// then runs each stage whose outputs are missing or older than its inputs (or whose
/// parameters changed), and ends by printing the headline figures and where the outputs are.
/// Stages: screen (synthetic data) -> catalog -> qc (flag defective sites) -> segment ->
/// features (per-cell measurements, well
/// profiles) -> profiles (normalization, feature selection; CSV and Parquet) -> evaluate (figures
/// and report.html with UMAP maps and the QC summary).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline for one screen from a YAML config (resumable)."
    )

    @Argument(help: "The run config (YAML). See config/default.yaml.")
    var config: String
    @Flag(help: "Run every stage even if its outputs are up to date.")
    var force = false
    @Flag(help: "Print nothing but errors and the final summary.")
    var quiet = false

    func run() throws {
        let configURL = URL(fileURLWithPath: config)
        let cfg = try RunConfig.load(configURL)
        let base = configURL.deletingLastPathComponent()
        func resolve(_ path: String) -> URL {
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardizedFileURL
        }
        let runDir = resolve(cfg.runsDir).appendingPathComponent(cfg.name)
        try AtomicFile.write(cfg.yaml(), to: runDir.appendingPathComponent("config.yaml"))
        let layout = RunLayout(root: runDir)
        let synthetic = cfg.screen.manifest.isEmpty
        let manifestURL = synthetic ? layout.syntheticManifest : resolve(cfg.screen.manifest)
        let masksURL: URL
        switch cfg.segmentation.method {
        case "ground_truth": masksURL = layout.groundTruthMasks
        case "classic": masksURL = layout.segmentation.appendingPathComponent("masks.csv")
        default: masksURL = resolve(cfg.segmentation.masks)
        }
        let started = Date()
        var stages: [Stage] = []

        if synthetic {
            let s = cfg.screen.synthetic
            stages.append(Stage(name: "screen", inputs: [], outputs: [layout.syntheticManifest],
                                parameters: try Self.canonical(s)) {
                try Self.synthesize(s, into: layout.syntheticScreen, quiet: quiet)
            })
        }
        stages.append(Stage(name: "catalog", inputs: [manifestURL], outputs: [layout.catalog],
                            parameters: "plate_wells=\(cfg.screen.plateWells)\n") {
            let manifest = try Manifest.load(manifestURL)
            let issues = manifest.validate(plateWells: cfg.screen.plateWells, checkFiles: true)
            if let first = issues.first {
                throw PipelineError(message: "\(manifestURL.path):\(first.line): \(first.field): \(first.message)"
                                    + (issues.count > 1 ? " (\(issues.count) problems; see `phenoscope manifest check`)" : ""))
            }
            try AtomicFile.write(to: layout.catalog) { tmp in try Catalog(url: tmp).load(manifest) }
        })
        stages.append(Stage(name: "qc", inputs: [manifestURL], outputs: [layout.qc], parameters: "") {
            let manifest = try Manifest.load(manifestURL)
            let progress = ProgressLine("qc", total: manifest.rows.count, quiet: quiet)
            let results = try QualityControl().run(manifest: manifest) { progress.advance() }
            progress.finish()
            try QualityControl.table(results).write(to: layout.qc)
            let flagged = results.filter { !$0.defect.isEmpty }
            Log.info("qc: \(flagged.count) of \(results.count) sites flagged"
                     + (flagged.isEmpty ? "" : " (" + Dictionary(grouping: flagged, by: \.defect).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ") + ")"),
                     quiet: quiet)
        })
        if cfg.segmentation.method == "classic" {
            stages.append(Stage(name: "segment", inputs: [manifestURL], outputs: [masksURL],
                                parameters: try Self.canonical(cfg.segmentation)) {
                let manifest = try Manifest.load(manifestURL)
                var seg = ScreenSegmentation()
                seg.nucleusChannel = cfg.segmentation.nucleusChannel
                let progress = ProgressLine("segment", total: manifest.rows.count, quiet: quiet)
                let summary = try seg.run(manifest: manifest, out: layout.segmentation) { progress.advance() }
                progress.finish()
                Log.info("segment: \(summary.cells) nuclei in \(summary.sites) sites", quiet: quiet)
            })
        }
        stages.append(Stage(name: "features", inputs: [manifestURL, masksURL, layout.qc], outputs: [layout.wellProfiles],
                            parameters: try Self.canonical(cfg.features) + "qc_exclude=\(cfg.qc.exclude)") {
            let manifest = try Manifest.load(manifestURL)
            let masks = try MaskIndex.load(masksURL)
            let excluded = cfg.qc.exclude ? try Self.flaggedSites(layout.qc) : []
            var measurement = ScreenMeasurement()
            measurement.options.families = Set(cfg.features.families.compactMap(MeasurementFamily.init(rawValue:)))
            measurement.options.textureScales = cfg.features.textureScales
            let progress = ProgressLine("features", total: manifest.rows.count, quiet: quiet)
            let result = try measurement.run(manifest: manifest, masks: masks, excluded: excluded, cellDirectory: layout.cells) { _, _ in progress.advance() }
            progress.finish()
            try result.wells.write(to: layout.wellProfiles)
            Log.info("features: \(result.cellCount) cells in \(result.siteCount) sites (\(excluded.count) excluded by QC), \(result.wells.featureCount) features per cell", quiet: quiet)
        })
        stages.append(Stage(name: "profiles", inputs: [layout.wellProfiles], outputs: [layout.normalizedProfiles, layout.normalizedParquet],
                            parameters: try Self.canonical(cfg.profiles)) {
            let pipeline = Self.pipeline(cfg.profiles)
            let wells = try ProfileTable(contentsOf: layout.wellProfiles, allowMissing: pipeline.acceptsMissingValues)
            let normalized = try pipeline.apply(to: wells)
            try normalized.write(to: layout.normalizedProfiles)
            try ParquetWriter.write(normalized, to: layout.normalizedParquet)
            Log.info("profiles: \(normalized.rowCount) wells, \(normalized.featureCount) of \(wells.featureCount) features kept", quiet: quiet)
        })
        stages.append(Stage(name: "evaluate", inputs: [layout.wellProfiles, layout.normalizedProfiles, layout.qc],
                            outputs: [layout.evaluation.appendingPathComponent("evaluation.json"),
                                      layout.evaluationRaw.appendingPathComponent("evaluation.json"),
                                      layout.evaluation.appendingPathComponent("report.html")],
                            parameters: try Self.canonical(cfg.evaluation)) {
            var options = ProfileEvaluation.Options()
            options.nullSize = cfg.evaluation.nullSize
            options.seed = UInt64(cfg.evaluation.seed)
            // The raw well means too, so the effect of normalization on NSCB is visible.
            // Features undefined in some well (NaN) are dropped there, as nothing else is done to them.
            let wells = try ProfileTable(contentsOf: layout.wellProfiles, allowMissing: true)
            let defined = try ProfilePipeline(featureSelection: FeatureSelection(operations: [.dropNaColumns], naCutoff: 0)).apply(to: wells)
            // Reports with UMAP maps of treatments and wells, and the QC summary.
            var report = EvaluationReport.Options()
            report.qc = try QCSummary(contentsOf: layout.qc)
            report.seed = UInt64(cfg.evaluation.seed)
            let raw = try ProfileEvaluation(defined, options: options)
            report.title = "Phenoscope run \(cfg.name): raw well means"
            try raw.write(to: layout.evaluationRaw, report: report)
            let normalized = try ProfileEvaluation(ProfileTable(contentsOf: layout.normalizedProfiles), options: options)
            report.title = "Phenoscope run \(cfg.name): normalized profiles"
            try normalized.write(to: layout.evaluation, report: report)
        })
        let pipeline = Pipeline(runDirectory: runDir, force: force, quiet: quiet)
        try pipeline.run(stages)
        try printSummary(cfg, layout: layout, seconds: Date().timeIntervalSince(started))
    }

    /// The headline figures of the run, from its evaluation files.
    func printSummary(_ cfg: RunConfig, layout: RunLayout, seconds: Double) throws {
        func load(_ dir: URL) throws -> [String: Any] {
            let data = try Data(contentsOf: dir.appendingPathComponent("evaluation.json"))
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        }
        let e = try load(layout.evaluation), r = try load(layout.evaluationRaw)
        func f(_ d: [String: Any], _ k: String) -> String { (d[k] as? Double).map { String(format: "%.3f", $0) } ?? "n/a" }
        let counts = try Catalog(url: layout.catalog).counts()
        print("phenoscope run \(cfg.name): \(counts["site"] ?? 0) sites, \(counts["well"] ?? 0) wells, \(counts["plate"] ?? 0) plates, "
              + "\(e["n_treatments"] ?? 0) treatments, \(e["n_moas"] ?? 0) MoAs (\(ProgressLine.duration(seconds)))")
        print("  normalized (\(cfg.profiles.normalize)\(cfg.profiles.featureSelect ? ", feature selection" : "")"
              + "\(cfg.profiles.spherize == "none" ? "" : ", \(cfg.profiles.spherize)")):  NSC \(f(e, "nsc"))  NSCB \(f(e, "nscb"))  mAP \(f(e, "map_moa"))")
        print("  raw well means:              NSC \(f(r, "nsc"))  NSCB \(f(r, "nscb"))  mAP \(f(r, "map_moa"))")
        print("outputs: \(layout.root.path)  (evaluation/, profiles/, cells/, catalog.sqlite)")
    }

    /// The sites `qc.csv` flags (non-empty Defect).
    static func flaggedSites(_ url: URL) throws -> Set<SiteKey> {
        let t = try CSVTable(contentsOf: url)
        let c = try ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Defect"].map { try t.requireColumn($0) }
        return Set(t.rows.compactMap { r -> SiteKey? in
            guard !r[c[3]].isEmpty, let w = WellPosition(r[c[1]]), let s = Int(r[c[2]]) else { return nil }
            return SiteKey(plate: r[c[0]], well: w, site: s)
        })
    }

    static func pipeline(_ p: RunConfig.ProfilesConfig) -> ProfilePipeline {
        var pipeline = ProfilePipeline()
        if let m = PlateNormalization.Method(rawValue: p.normalize) { pipeline.normalization = PlateNormalization(method: m) }
        // Evaluation needs every kept feature defined in every well, so any NaN drops a column.
        if p.featureSelect { pipeline.featureSelection = FeatureSelection(naCutoff: 0) }
        if let m = Spherize.Method(rawValue: p.spherize) { pipeline.spherize = Spherize(method: m) }
        return pipeline
    }

    static func synthesize(_ s: RunConfig.SyntheticConfig, into dir: URL, quiet: Bool) throws {
        let layout: ScreenLayout
        if s.preset == "bbbc021" {
            let tables = ReferenceScript.url("../../shared/data/bbbc021").standardizedFileURL
            layout = try ScreenLayout.bbbc021(imageTable: tables.appendingPathComponent("BBBC021_v1_image.csv"),
                                              moaTable: tables.appendingPathComponent("BBBC021_v1_moa.csv"),
                                              plates: s.plates, sites: s.sites, seed: UInt64(s.seed))
        } else {
            layout = ScreenLayout.standard(plates: s.plates, sitesPerWell: s.sites, platesPerBatch: s.platesPerBatch, seed: UInt64(s.seed))
        }
        let screen = SyntheticScreen(layout: layout, width: s.width, height: s.height, seed: UInt64(s.seed))
        try? FileManager.default.removeItem(at: dir)
        let progress = ProgressLine("screen", total: layout.siteCount, quiet: quiet)
        let summary = try screen.write(to: dir) { _, _ in progress.advance() }
        progress.finish()
        Log.info("screen: \(summary.plates) plates, \(summary.wells) wells, \(summary.sites) sites, \(summary.cells) cells", quiet: quiet)
    }

    /// A stage's parameters as canonical text (sorted-key JSON), for the up-to-date check.
    static func canonical<T: Encodable>(_ value: T) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(value), as: UTF8.self)
    }
}

/// Where each stage of a run puts its files, relative to `runs/<name>/`.
struct RunLayout {
    var root: URL
    var syntheticScreen: URL { root.appendingPathComponent("screen") }
    var syntheticManifest: URL { syntheticScreen.appendingPathComponent("manifest.csv") }
    var groundTruthMasks: URL { syntheticScreen.appendingPathComponent("ground_truth/masks.csv") }
    var catalog: URL { root.appendingPathComponent("catalog.sqlite") }
    var qc: URL { root.appendingPathComponent("qc/qc.csv") }
    var segmentation: URL { root.appendingPathComponent("segmentation") }
    var cells: URL { root.appendingPathComponent("cells") }
    var wellProfiles: URL { root.appendingPathComponent("profiles/wells.csv") }
    var normalizedProfiles: URL { root.appendingPathComponent("profiles/wells_normalized.csv") }
    var normalizedParquet: URL { root.appendingPathComponent("profiles/wells_normalized.parquet") }
    var evaluation: URL { root.appendingPathComponent("evaluation") }
    var evaluationRaw: URL { root.appendingPathComponent("evaluation/raw") }
}
