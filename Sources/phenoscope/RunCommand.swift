import ArgumentParser
import Core
import Foundation
import Imaging
import Learning
import Profiling
import Screen
import Search
import Tensor

/// `phenoscope run CONFIG.yaml`: the whole flow for one screen, resumable.
///
/// Reads the config (see `RunConfig`), writes the resolved config to `runs/<name>/config.yaml`,
/// then runs each stage whose outputs are missing or older than its inputs (or whose
/// parameters changed), and ends by printing the headline figures and where the outputs are.
/// The stages come in three parts, so a workflow engine can schedule the per-plate ones as
/// independent jobs (`--only`, `--plate`; see workflow/Snakefile):
/// - prepare: screen (synthetic data) -> catalog, and `plates.txt` listing the plates;
/// - plates, each plate on its own under `plates/<plate>/`: qc (flag defective sites) ->
///   illumination correction and intensity normalization (when on) -> segment -> features
///   (per-cell measurements, well profiles) -> crops (when on);
/// - screen: collect (the plates' well profiles and QC tables into one) -> profiles
///   (normalization, feature selection; CSV and Parquet) -> evaluate (figures and
///   report.html with UMAP maps and the QC summary).
/// Running the parts one after another gives the same files as running them all at once.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline for one screen from a YAML config (resumable)."
    )

    /// Which stages one invocation runs.
    enum Part: String, ExpressibleByArgument, CaseIterable {
        case all, prepare, plates, screen
    }

    @Argument(help: "The run config (YAML). See config/default.yaml.")
    var config: String
    @Option(help: "Run only this part: all, prepare (screen, catalog), plates (per-plate stages) or screen (profiles, evaluation).")
    var only: Part = .all
    @Option(help: "With --only plates: this plate only (repeatable). Default: every plate of the manifest.")
    var plate: [String] = []
    @Flag(help: "Print the run directory and exit.")
    var showRunDirectory = false
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
        if showRunDirectory { print(runDir.path); return }
        if !plate.isEmpty && only != .plates { throw ValidationError("--plate goes with --only plates") }
        try AtomicFile.write(cfg.yaml(), to: runDir.appendingPathComponent("config.yaml"))
        let layout = RunLayout(root: runDir)
        let synthetic = cfg.screen.manifest.isEmpty
        let manifestURL = synthetic ? layout.syntheticManifest : resolve(cfg.screen.manifest)
        let started = Date()
        let pipeline = Pipeline(runDirectory: runDir, force: force, quiet: quiet)

        if only == .all || only == .prepare {
            try pipeline.run(prepareStages(cfg, layout: layout, manifestURL: manifestURL))
        }
        if only == .all || only == .plates {
            let manifest = try Manifest.load(manifestURL)
            let plates = Self.plates(of: manifest)
            for p in plate where !plates.contains(p) {
                throw ValidationError("--plate \(p): not a plate of \(manifestURL.path) (plates: \(plates.joined(separator: ", ")))")
            }
            for p in plate.isEmpty ? plates : plate {
                try pipeline.run(plateStages(cfg, plate: p, layout: layout, manifestURL: manifestURL,
                                             masks: masksURL(cfg, plate: p, layout: layout, resolve: resolve), resolve: resolve))
            }
        }
        if only == .all || only == .screen {
            let plates = try Self.plates(listedIn: layout.plateList)
            try pipeline.run(screenStages(cfg, plates: plates, layout: layout))
            if cfg.embedding.enabled {
                try pipeline.run(embeddingStages(cfg, plates: plates, layout: layout, resolve: resolve))
            }
            try printSummary(cfg, layout: layout, seconds: Date().timeIntervalSince(started), resolve: resolve)
        }
    }

    /// The plates of a manifest in order of first appearance.
    static func plates(of manifest: Manifest) -> [String] {
        var seen = Set<String>()
        return manifest.rows.map(\.plate).filter { seen.insert($0).inserted }
    }

    static func plates(listedIn url: URL) throws -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw PipelineError(message: "\(url.path): missing; run the prepare part first (phenoscope run CONFIG --only prepare)")
        }
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// Where a plate's masks come from: its own segmentation, the synthetic ground truth, or a
    /// given masks.csv (shared by every plate).
    func masksURL(_ cfg: RunConfig, plate: String, layout: RunLayout, resolve: (String) -> URL) -> URL {
        switch cfg.segmentation.method {
        case "ground_truth": return layout.groundTruthMasks
        case "classic", "locations": return layout.segmentation(plate).appendingPathComponent("masks.csv")
        default: return resolve(cfg.segmentation.masks)
        }
    }

    func prepareStages(_ cfg: RunConfig, layout: RunLayout, manifestURL: URL) -> [Stage] {
        var stages: [Stage] = []
        if cfg.screen.manifest.isEmpty {
            let s = cfg.screen.synthetic
            stages.append(Stage(name: "screen", inputs: [], outputs: [layout.syntheticManifest],
                                parameters: (try? Self.canonical(s)) ?? "") {
                try Self.synthesize(s, into: layout.syntheticScreen, quiet: quiet)
            })
        }
        stages.append(Stage(name: "catalog", inputs: [manifestURL], outputs: [layout.catalog, layout.plateList],
                            parameters: "plate_wells=\(cfg.screen.plateWells)\n") {
            let manifest = try Manifest.load(manifestURL)
            let issues = manifest.validate(plateWells: cfg.screen.plateWells, checkFiles: true)
            if let first = issues.first {
                throw PipelineError(message: "\(manifestURL.path):\(first.line): \(first.field): \(first.message)"
                                    + (issues.count > 1 ? " (\(issues.count) problems; see `phenoscope manifest check`)" : ""))
            }
            try AtomicFile.write(to: layout.catalog) { tmp in try Catalog(url: tmp).load(manifest) }
            try AtomicFile.write(Self.plates(of: manifest).joined(separator: "\n") + "\n", to: layout.plateList)
        })
        return stages
    }

    /// One plate's stages; each reads only that plate's rows of the manifest. With
    /// illumination correction or intensity normalization on, segmentation, features and crops
    /// read the plate's corrected images (`plates/<plate>/preprocessed/`).
    func plateStages(_ cfg: RunConfig, plate: String, layout: RunLayout, manifestURL: URL, masks masksURL: URL,
                     resolve: (String) -> URL) -> [Stage] {
        func plateManifest(_ url: URL) throws -> Manifest {
            var m = try Manifest.load(url)
            m.rows = m.rows.filter { $0.plate == plate }
            return m
        }
        let preprocess = cfg.illumination.enabled || cfg.normalization.level != "none"
        let workManifestURL = preprocess ? layout.preprocessedManifest(plate) : manifestURL
        let illuminationTable = layout.illumination(plate).appendingPathComponent("illumination.csv")
        let locationsURL = cfg.segmentation.method == "locations" ? resolve(cfg.segmentation.locations) : nil
        var stages: [Stage] = []
        stages.append(Stage(name: "qc@\(plate)", inputs: [manifestURL], outputs: [layout.qc(plate)], parameters: "") {
            let manifest = try plateManifest(manifestURL)
            let progress = ProgressLine("qc \(plate)", total: manifest.rows.count, quiet: quiet)
            let results = try QualityControl().run(manifest: manifest) { progress.advance() }
            progress.finish()
            try QualityControl.table(results).write(to: layout.qc(plate))
            let flagged = results.filter { !$0.defect.isEmpty }
            Log.info("qc \(plate): \(flagged.count) of \(results.count) sites flagged"
                     + (flagged.isEmpty ? "" : " (" + Dictionary(grouping: flagged, by: \.defect).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ") + ")"),
                     quiet: quiet)
        })
        if cfg.illumination.enabled {
            stages.append(Stage(name: "illumination@\(plate)", inputs: [manifestURL], outputs: [illuminationTable],
                                parameters: (try? Self.canonical(cfg.illumination)) ?? "") {
                let manifest = try plateManifest(manifestURL)
                var illum = ScreenIllumination()
                illum.function.smoothing = IlluminationFunction.Smoothing(rawValue: cfg.illumination.smoothing)!
                illum.function.radius = cfg.illumination.radius
                let progress = ProgressLine("illumination \(plate)", total: manifest.rows.count, quiet: quiet)
                let plates = try illum.estimate(manifest: manifest) { progress.advance() }
                progress.finish()
                try ScreenIllumination.write(plates, channels: manifest.channels, to: layout.illumination(plate))
                let before = plates.flatMap(\.blockCVBefore), after = plates.flatMap(\.blockCVAfter)
                Log.info(String(format: "illumination %@: %d channels; field CV %.3f -> %.3f", plate, manifest.channels.count,
                                before.reduce(0, +) / Double(max(before.count, 1)), after.reduce(0, +) / Double(max(after.count, 1))), quiet: quiet)
            })
        }
        if preprocess {
            let inputs = [manifestURL] + (cfg.illumination.enabled ? [illuminationTable] : [])
            stages.append(Stage(name: "preprocess@\(plate)", inputs: inputs, outputs: [layout.preprocessedManifest(plate)],
                                parameters: ((try? Self.canonical(cfg.illumination)) ?? "") + ((try? Self.canonical(cfg.normalization)) ?? "")) {
                let manifest = try plateManifest(manifestURL)
                var pre = ScreenPreprocessing()
                if cfg.illumination.enabled { pre.illumination = try ScreenIllumination.load(layout.illumination(plate)) }
                pre.normalization = IntensityNormalization(level: .init(rawValue: cfg.normalization.level)!,
                                                           lowPercentile: cfg.normalization.lowPercentile,
                                                           highPercentile: cfg.normalization.highPercentile)
                pre.output = ScreenPreprocessing.OutputType(rawValue: cfg.normalization.output)!
                let progress = ProgressLine("preprocess \(plate)", total: manifest.rows.count, quiet: quiet)
                _ = try pre.run(manifest: manifest, out: layout.preprocessed(plate)) { progress.advance() }
                progress.finish()
                Log.info("preprocess \(plate): \(manifest.rows.count) sites corrected (illumination \(cfg.illumination.enabled ? "on" : "off"), normalization \(cfg.normalization.level))", quiet: quiet)
            })
        }
        if ["classic", "locations"].contains(cfg.segmentation.method) {
            stages.append(Stage(name: "segment@\(plate)", inputs: [workManifestURL] + (locationsURL.map { [$0] } ?? []), outputs: [masksURL],
                                parameters: (try? Self.canonical(cfg.segmentation)) ?? "") {
                let manifest = try plateManifest(workManifestURL)
                var seg = ScreenSegmentation()
                seg.nucleusChannel = cfg.segmentation.nucleusChannel
                seg.segmentation.nucleusThreshold = Segmentation.ThresholdMethod(rawValue: cfg.segmentation.nucleusThreshold) ?? .otsu
                if let locationsURL { seg.locations = try CellLocations.load(locationsURL) }
                let progress = ProgressLine("segment \(plate)", total: manifest.rows.count, quiet: quiet)
                let summary = try seg.run(manifest: manifest, out: layout.segmentation(plate)) { progress.advance() }
                progress.finish()
                Log.info("segment \(plate): \(summary.cells) nuclei in \(summary.sites) sites", quiet: quiet)
            })
        }
        stages.append(Stage(name: "features@\(plate)", inputs: [workManifestURL, masksURL, layout.qc(plate), layout.catalog],
                            outputs: [layout.wellProfiles(plate)],
                            parameters: ((try? Self.canonical(cfg.features)) ?? "") + "qc_exclude=\(cfg.qc.exclude)") {
            let manifest = try plateManifest(workManifestURL)
            let masks = try MaskIndex.load(masksURL)
            let excluded = cfg.qc.exclude ? try Self.excludedSites(qc: layout.qc(plate), catalog: layout.catalog, manifest: manifest) : []
            var measurement = ScreenMeasurement()
            measurement.options.families = Set(cfg.features.families.compactMap(MeasurementFamily.init(rawValue:)))
            measurement.options.textureScales = cfg.features.textureScales
            let progress = ProgressLine("features \(plate)", total: manifest.rows.count, quiet: quiet)
            let result = try measurement.run(manifest: manifest, masks: masks, excluded: excluded, cellDirectory: layout.cells) { _, _ in progress.advance() }
            progress.finish()
            try result.wells.write(to: layout.wellProfiles(plate))
            Log.info("features \(plate): \(result.cellCount) cells in \(result.siteCount) sites (\(excluded.count) excluded), \(result.wells.featureCount) features per cell", quiet: quiet)
        })
        if cfg.crops.enabled {
            stages.append(Stage(name: "crops@\(plate)", inputs: [workManifestURL, locationsURL ?? masksURL, layout.qc(plate), layout.catalog],
                                outputs: [layout.crops(plate).appendingPathComponent("crops.json")],
                                parameters: ((try? Self.canonical(cfg.crops)) ?? "") + "qc_exclude=\(cfg.qc.exclude)") {
                let manifest = try plateManifest(workManifestURL)
                var extraction = CropExtraction()
                extraction.size = cfg.crops.size
                extraction.maskNeighbours = cfg.crops.maskNeighbours
                extraction.dtype = CropStore.DType(rawValue: cfg.crops.dtype)!
                extraction.shardSize = cfg.crops.shardSize
                if cfg.qc.exclude { extraction.excluded = try Self.excludedSites(qc: layout.qc(plate), catalog: layout.catalog, manifest: manifest) }
                let source: CropExtraction.CellSource = try locationsURL.map { .locations(try CellLocations.load($0)) }
                    ?? .masks(try MaskIndex.load(masksURL))
                let progress = ProgressLine("crops \(plate)", total: manifest.rows.count, quiet: quiet)
                let summary = try extraction.run(manifest: manifest, source: source, out: layout.crops(plate)) { _, _ in progress.advance() }
                progress.finish()
                Log.info("crops \(plate): \(summary.cells) cells from \(summary.sites) sites, \(summary.store.header.shards.count) shards", quiet: quiet)
            })
        }
        return stages
    }

    /// The screen-wide stages, over every plate's outputs.
    func screenStages(_ cfg: RunConfig, plates: [String], layout: RunLayout) throws -> [Stage] {
        for p in plates {
            for url in [layout.qc(p), layout.wellProfiles(p)] where !FileManager.default.fileExists(atPath: url.path) {
                throw PipelineError(message: "\(url.path): missing; run plate \(p) first (phenoscope run CONFIG --only plates --plate \(p))")
            }
        }
        var stages: [Stage] = []
        stages.append(Stage(name: "collect", inputs: plates.flatMap { [layout.qc($0), layout.wellProfiles($0)] } + [layout.plateList],
                            outputs: [layout.wellProfiles, layout.qc], parameters: plates.joined(separator: "\n")) {
            let wells = try ProfileTable.concatenating(plates.map { try ProfileTable(contentsOf: layout.wellProfiles($0), allowMissing: true) })
            try wells.write(to: layout.wellProfiles)
            var qc: CSVTable?
            for p in plates {
                let t = try CSVTable(contentsOf: layout.qc(p))
                if qc == nil { qc = t } else {
                    guard t.header == qc!.header else { throw PipelineError(message: "\(layout.qc(p).path): columns differ from the first plate's qc.csv") }
                    qc!.rows += t.rows
                }
            }
            if var qc {
                qc.lineNumbers = qc.rows.indices.map { $0 + 2 }
                try qc.write(to: layout.qc)
            }
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
        stages.append(Self.indexStage(name: "index", profiles: layout.normalizedProfiles, out: layout.index("wells"), quiet: quiet))
        stages.append(Stage(name: "evaluate", inputs: [layout.wellProfiles, layout.normalizedProfiles, layout.qc],
                            outputs: [layout.evaluation.appendingPathComponent("evaluation.json"),
                                      layout.evaluationRaw.appendingPathComponent("evaluation.json"),
                                      layout.evaluation.appendingPathComponent("report.html")],
                            parameters: try Self.canonical(cfg.evaluation)) {
            var options = ProfileEvaluation.Options()
            options.nullSize = cfg.evaluation.nullSize
            options.seed = UInt64(cfg.evaluation.seed)
            if !cfg.evaluation.classifiers { options.linearProbe = false; options.forestTrees = 0 }
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
        return stages
    }

    /// An exact cosine index over a profiles table, for `phenoscope search` and `phenoscope serve`
    /// (`--index runs/<name>/index/wells`): which wells look like this one.
    static func indexStage(name: String, profiles: URL, out: URL, quiet: Bool) -> Stage {
        Stage(name: name, inputs: [profiles], outputs: [out.appendingPathComponent("index.json")], parameters: "kind=exact\nmetric=cosine\n") {
            let table = try ProfileTable(contentsOf: profiles)
            try IndexCommand.Build.index(profiles: table, kind: .exact, metric: .cosine).save(to: out)
            Log.info("\(name): \(table.rowCount) items x \(table.featureCount) -> \(out.path)", quiet: quiet)
        }
    }

    /// The headline figures of the run, from its evaluation files.
    func printSummary(_ cfg: RunConfig, layout: RunLayout, seconds: Double, resolve: (String) -> URL) throws {
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
        if cfg.embedding.enabled {
            let what = cfg.embedding.model.isEmpty
                ? ((try? TrainConfig.load(resolve(cfg.embedding.train))).map { "\($0.method.rawValue) \($0.arch)" } ?? "trained")
                : URL(fileURLWithPath: cfg.embedding.model).lastPathComponent
            let learned = try load(layout.evaluation.appendingPathComponent("embedding"))
            print("  learned embeddings (\(what)):  NSC \(f(learned, "nsc"))  NSCB \(f(learned, "nscb"))  mAP \(f(learned, "map_moa"))")
            if cfg.embedding.randomBaseline {
                let random = try load(layout.evaluation.appendingPathComponent("embedding_random"))
                print("  same network, untrained:     NSC \(f(random, "nsc"))  NSCB \(f(random, "nscb"))  mAP \(f(random, "map_moa"))")
            }
        }
        print("outputs: \(layout.root.path)  (evaluation/, profiles/, cells/, index/, catalog.sqlite)")
    }

    /// The sites left out of measurement: those `qc.csv` flags, and those marked excluded in
    /// the catalog (by hand, e.g. through the server's "mark bad"), of the manifest's rows.
    static func excludedSites(qc: URL, catalog: URL, manifest: Manifest) throws -> Set<SiteKey> {
        let included = Set(try Catalog(url: catalog).includedSites())
        return try QualityControl.flaggedSites(qc).union(manifest.rows.map(\.siteKey).filter { !included.contains($0) })
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
    var plateList: URL { root.appendingPathComponent("plates.txt") }
    func plateDirectory(_ plate: String) -> URL { root.appendingPathComponent("plates/\(plate)") }
    func qc(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("qc.csv") }
    func segmentation(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("segmentation") }
    func wellProfiles(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("wells.csv") }
    func illumination(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("illumination") }
    func preprocessed(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("preprocessed") }
    func preprocessedManifest(_ plate: String) -> URL { preprocessed(plate).appendingPathComponent("manifest.csv") }
    func crops(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("crops") }
    var cells: URL { root.appendingPathComponent("cells") }
    var wellProfiles: URL { root.appendingPathComponent("profiles/wells.csv") }
    var normalizedProfiles: URL { root.appendingPathComponent("profiles/wells_normalized.csv") }
    var normalizedParquet: URL { root.appendingPathComponent("profiles/wells_normalized.parquet") }
    var evaluation: URL { root.appendingPathComponent("evaluation") }
    var evaluationRaw: URL { root.appendingPathComponent("evaluation/raw") }
    func index(_ name: String) -> URL { root.appendingPathComponent("index/\(name)") }
}
