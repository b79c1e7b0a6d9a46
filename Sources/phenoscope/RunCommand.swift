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
/// profiles) -> profiles (normalization, feature selection) -> evaluate.
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
        case "classic", "locations": masksURL = layout.segmentation.appendingPathComponent("masks.csv")
        default: masksURL = resolve(cfg.segmentation.masks)
        }
        let started = Date()
        var stages: [Stage] = []
        let preprocess = cfg.illumination.enabled || cfg.normalization.level != "none"
        // Segmentation, crops and features read the corrected screen when there is one.
        let workManifestURL = preprocess ? layout.preprocessedManifest : manifestURL

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
        if cfg.illumination.enabled {
            stages.append(Stage(name: "illumination", inputs: [manifestURL], outputs: [layout.illumination.appendingPathComponent("illumination.csv")],
                                parameters: try Self.canonical(cfg.illumination)) {
                let manifest = try Manifest.load(manifestURL)
                var illum = ScreenIllumination()
                illum.function.smoothing = IlluminationFunction.Smoothing(rawValue: cfg.illumination.smoothing)!
                illum.function.radius = cfg.illumination.radius
                let progress = ProgressLine("illumination", total: manifest.rows.count, quiet: quiet)
                let plates = try illum.estimate(manifest: manifest) { progress.advance() }
                progress.finish()
                try ScreenIllumination.write(plates, channels: manifest.channels, to: layout.illumination)
                let before = plates.flatMap(\.blockCVBefore), after = plates.flatMap(\.blockCVAfter)
                Log.info(String(format: "illumination: %d plates x %d channels; field CV %.3f -> %.3f", plates.count, manifest.channels.count,
                                before.reduce(0, +) / Double(max(before.count, 1)), after.reduce(0, +) / Double(max(after.count, 1))), quiet: quiet)
            })
        }
        if preprocess {
            let inputs = [manifestURL] + (cfg.illumination.enabled ? [layout.illumination.appendingPathComponent("illumination.csv")] : [])
            stages.append(Stage(name: "preprocess", inputs: inputs, outputs: [layout.preprocessedManifest],
                                parameters: try Self.canonical(cfg.illumination) + Self.canonical(cfg.normalization)) {
                let manifest = try Manifest.load(manifestURL)
                var pre = ScreenPreprocessing()
                if cfg.illumination.enabled { pre.illumination = try ScreenIllumination.load(layout.illumination) }
                pre.normalization = IntensityNormalization(level: .init(rawValue: cfg.normalization.level)!,
                                                           lowPercentile: cfg.normalization.lowPercentile,
                                                           highPercentile: cfg.normalization.highPercentile)
                pre.output = ScreenPreprocessing.OutputType(rawValue: cfg.normalization.output)!
                let progress = ProgressLine("preprocess", total: manifest.rows.count, quiet: quiet)
                _ = try pre.run(manifest: manifest, out: layout.preprocessed) { progress.advance() }
                progress.finish()
                Log.info("preprocess: \(manifest.rows.count) sites corrected (illumination \(cfg.illumination.enabled ? "on" : "off"), normalization \(cfg.normalization.level))", quiet: quiet)
            })
        }
        if ["classic", "locations"].contains(cfg.segmentation.method) {
            let locationsURL = cfg.segmentation.method == "locations" ? resolve(cfg.segmentation.locations) : nil
            stages.append(Stage(name: "segment", inputs: [workManifestURL] + (locationsURL.map { [$0] } ?? []), outputs: [masksURL],
                                parameters: try Self.canonical(cfg.segmentation)) {
                let manifest = try Manifest.load(workManifestURL)
                var seg = ScreenSegmentation()
                seg.nucleusChannel = cfg.segmentation.nucleusChannel
                if let locationsURL { seg.locations = try CellLocations.load(locationsURL) }
                let progress = ProgressLine("segment", total: manifest.rows.count, quiet: quiet)
                let summary = try seg.run(manifest: manifest, out: layout.segmentation) { progress.advance() }
                progress.finish()
                Log.info("segment: \(summary.cells) nuclei in \(summary.sites) sites", quiet: quiet)
            })
        }
        stages.append(Stage(name: "features", inputs: [workManifestURL, masksURL, layout.qc], outputs: [layout.wellProfiles],
                            parameters: try Self.canonical(cfg.features) + "qc_exclude=\(cfg.qc.exclude)") {
            let manifest = try Manifest.load(workManifestURL)
            let masks = try MaskIndex.load(masksURL)
            let excluded = cfg.qc.exclude ? try QualityControl.flaggedSites(layout.qc) : []
            var measurement = ScreenMeasurement()
            measurement.options.families = Set(cfg.features.families.compactMap(MeasurementFamily.init(rawValue:)))
            measurement.options.textureScales = cfg.features.textureScales
            let progress = ProgressLine("features", total: manifest.rows.count, quiet: quiet)
            let result = try measurement.run(manifest: manifest, masks: masks, excluded: excluded, cellDirectory: layout.cells) { _, _ in progress.advance() }
            progress.finish()
            try result.wells.write(to: layout.wellProfiles)
            Log.info("features: \(result.cellCount) cells in \(result.siteCount) sites (\(excluded.count) excluded by QC), \(result.wells.featureCount) features per cell", quiet: quiet)
        })
        if cfg.crops.enabled {
            let locationsURL = cfg.segmentation.method == "locations" ? resolve(cfg.segmentation.locations) : nil
            stages.append(Stage(name: "crops", inputs: [workManifestURL, locationsURL ?? masksURL, layout.qc],
                                outputs: [layout.crops.appendingPathComponent("crops.json")],
                                parameters: try Self.canonical(cfg.crops) + "qc_exclude=\(cfg.qc.exclude)") {
                let manifest = try Manifest.load(workManifestURL)
                var extraction = CropExtraction()
                extraction.size = cfg.crops.size
                extraction.maskNeighbours = cfg.crops.maskNeighbours
                extraction.dtype = CropStore.DType(rawValue: cfg.crops.dtype)!
                extraction.shardSize = cfg.crops.shardSize
                if cfg.qc.exclude { extraction.excluded = try QualityControl.flaggedSites(layout.qc) }
                let source: CropExtraction.CellSource = try locationsURL.map { .locations(try CellLocations.load($0)) }
                    ?? .masks(try MaskIndex.load(masksURL))
                let progress = ProgressLine("crops", total: manifest.rows.count, quiet: quiet)
                let summary = try extraction.run(manifest: manifest, source: source, out: layout.crops) { _, _ in progress.advance() }
                progress.finish()
                Log.info("crops: \(summary.cells) cells from \(summary.sites) sites, \(summary.store.header.shards.count) shards", quiet: quiet)
            })
        }
        stages.append(Stage(name: "profiles", inputs: [layout.wellProfiles], outputs: [layout.normalizedProfiles],
                            parameters: try Self.canonical(cfg.profiles)) {
            let pipeline = Self.pipeline(cfg.profiles)
            let wells = try ProfileTable(contentsOf: layout.wellProfiles, allowMissing: pipeline.acceptsMissingValues)
            let normalized = try pipeline.apply(to: wells)
            try normalized.write(to: layout.normalizedProfiles)
            Log.info("profiles: \(normalized.rowCount) wells, \(normalized.featureCount) of \(wells.featureCount) features kept", quiet: quiet)
        })
        stages.append(Stage(name: "evaluate", inputs: [layout.wellProfiles, layout.normalizedProfiles],
                            outputs: [layout.evaluation.appendingPathComponent("evaluation.json"),
                                      layout.evaluationRaw.appendingPathComponent("evaluation.json")],
                            parameters: try Self.canonical(cfg.evaluation)) {
            var options = ProfileEvaluation.Options()
            options.nullSize = cfg.evaluation.nullSize
            options.seed = UInt64(cfg.evaluation.seed)
            // The raw well means too, so the effect of normalization on NSCB is visible.
            // Features undefined in some well (NaN) are dropped there, as nothing else is done to them.
            let wells = try ProfileTable(contentsOf: layout.wellProfiles, allowMissing: true)
            let defined = try ProfilePipeline(featureSelection: FeatureSelection(operations: [.dropNaColumns], naCutoff: 0)).apply(to: wells)
            let raw = try ProfileEvaluation(defined, options: options)
            try raw.write(to: layout.evaluationRaw)
            let normalized = try ProfileEvaluation(ProfileTable(contentsOf: layout.normalizedProfiles), options: options)
            try normalized.write(to: layout.evaluation)
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
    var illumination: URL { root.appendingPathComponent("illumination") }
    var preprocessed: URL { root.appendingPathComponent("preprocessed") }
    var preprocessedManifest: URL { preprocessed.appendingPathComponent("manifest.csv") }
    var crops: URL { root.appendingPathComponent("crops") }
    var wellProfiles: URL { root.appendingPathComponent("profiles/wells.csv") }
    var normalizedProfiles: URL { root.appendingPathComponent("profiles/wells_normalized.csv") }
    var evaluation: URL { root.appendingPathComponent("evaluation") }
    var evaluationRaw: URL { root.appendingPathComponent("evaluation/raw") }
}
