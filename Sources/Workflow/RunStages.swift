import Core
import Foundation
import Profiling
import Screen

/// The stage builders of a run: given the config and the run folder, the stages of each part.
///
/// The stages come in three parts, so a workflow engine can schedule the per-plate ones as
/// independent jobs (`phenoscope run --only`, `--plate`; see workflow/Snakefile):
/// - prepare: screen (synthetic data) -> catalog, and `plates.txt` listing the plates;
/// - plates, each plate on its own under `plates/<plate>/`: qc (flag defective sites) ->
///   illumination correction and intensity normalization (when on) -> segment -> features
///   (per-cell measurements, well profiles) -> crops (when on);
/// - screen: collect (the plates' well profiles and QC tables into one) -> profiles
///   (normalization, feature selection; CSV and Parquet) -> index and its recipe ->
///   evaluate (figures and report.html), then the learned-embedding stages when on.
/// Running the parts one after another gives the same files as running them all at once.
public struct RunStages {
    public var config: RunConfig
    public var layout: RunLayout
    /// The screen's manifest (the synthetic one in the run folder when none is configured).
    public var manifestURL: URL
    /// Resolves a path of the config (relative to the config file's folder).
    public var resolve: (String) -> URL
    public var reporter: any RunReporter
    /// The BBBC021 image and MoA tables, for the synthetic preset `bbbc021`.
    public var bbbc021Tables: URL?

    public init(config: RunConfig, layout: RunLayout, manifestURL: URL, resolve: @escaping (String) -> URL, reporter: any RunReporter) {
        (self.config, self.layout, self.manifestURL) = (config, layout, manifestURL)
        (self.resolve, self.reporter) = (resolve, reporter)
    }

    /// The plates of a manifest in order of first appearance.
    public static func plates(of manifest: Manifest) -> [String] {
        var seen = Set<String>()
        return manifest.rows.map(\.plate).filter { seen.insert($0).inserted }
    }

    /// The plates the prepare part listed.
    public static func plates(listedIn url: URL) throws -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw PipelineError(message: "\(url.path): missing; run the prepare part first (phenoscope run CONFIG --only prepare)")
        }
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// Where a plate's masks come from: its own segmentation, the synthetic ground truth, or a
    /// given masks.csv (shared by every plate).
    public func masksURL(plate: String) -> URL {
        switch config.segmentation.method {
        case .groundTruth: return layout.groundTruthMasks
        case .classic, .locations, .model: return layout.segmentation(plate).appendingPathComponent("masks.csv")
        case .masks: return resolve(config.segmentation.masks)
        }
    }

    public func prepareStages() -> [Stage] {
        let cfg = config, layout = layout, manifestURL = manifestURL
        var stages: [Stage] = []
        if cfg.screen.manifest.isEmpty {
            let s = cfg.screen.synthetic
            stages.append(Stage(name: "screen", inputs: [], outputs: [layout.syntheticManifest],
                                parameters: (try? Stage.canonical(s)) ?? "") {
                try self.synthesize(s, into: layout.syntheticScreen)
            })
        }
        stages.append(Stage(name: "catalog", inputs: [manifestURL], outputs: [layout.catalog, layout.plateList],
                            parameters: "plate_wells=\(cfg.screen.plateWells)\n") {
            var manifest = try Manifest.load(manifestURL)
            manifest.maxPixels = cfg.screen.maxPixels
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

    func synthesize(_ s: RunConfig.SyntheticConfig, into dir: URL) throws {
        let screenLayout: ScreenLayout
        switch s.preset {
        case .bbbc021:
            // A front end may name its own copy of the tables; else the copy shipped with the program.
            let tables = try bbbc021Tables ?? BBBC021Tables.shipped().imageTable.deletingLastPathComponent()
            screenLayout = try ScreenLayout.bbbc021(imageTable: tables.appendingPathComponent("BBBC021_v1_image.csv"),
                                                    moaTable: tables.appendingPathComponent("BBBC021_v1_moa.csv"),
                                                    plates: s.plates, sites: s.sites, seed: UInt64(s.seed))
        case .standard:
            screenLayout = ScreenLayout.standard(plates: s.plates, sitesPerWell: s.sites, platesPerBatch: s.platesPerBatch, seed: UInt64(s.seed))
        }
        let screen = SyntheticScreen(layout: screenLayout, width: s.width, height: s.height, seed: UInt64(s.seed))
        try? FileManager.default.removeItem(at: dir)
        let summary = try reporter.tracking("screen", total: screenLayout.siteCount) { p in
            try screen.write(to: dir) { _, _ in p.advance() }
        }
        reporter.log("screen: \(summary.plates) plates, \(summary.wells) wells, \(summary.sites) sites, \(summary.cells) cells")
    }

    /// The sites left out of measurement: those `qc.csv` flags, and those marked excluded in
    /// the catalog (by hand, e.g. through the server's "mark bad"), of the manifest's rows.
    static func excludedSites(qc: URL, catalog: URL, manifest: Manifest) throws -> Set<SiteKey> {
        let included = Set(try Catalog(url: catalog).includedSites())
        return try QualityControl.flaggedSites(qc).union(manifest.rows.map(\.siteKey).filter { !included.contains($0) })
    }

    /// Whether the evaluation ceilings are computed: asked for, on a synthetic screen (the
    /// only one whose truth is known).
    public var evaluatesCeilings: Bool { config.evaluation.ceilings && config.screen.manifest.isEmpty }

    /// Whether features are also measured on the ground-truth masks: with the ceilings, unless
    /// the run's own masks are those.
    public var measuresGroundTruthMasks: Bool { evaluatesCeilings && config.segmentation.method != .groundTruth }

    /// The profile steps after aggregation that the config asks for.
    public static func profilePipeline(_ p: RunConfig.ProfilesConfig) -> ProfilePipeline {
        var pipeline = ProfilePipeline()
        pipeline.normalization = p.normalize.method.map { PlateNormalization(method: $0) }
        // Evaluation needs every kept feature defined in every well, so any NaN drops a column.
        if p.featureSelect {
            pipeline.featureSelection = FeatureSelection(operations: p.selection.map(\.operation), naCutoff: 0,
                                                         outlierCutoff: p.outlierCutoff)
        }
        pipeline.spherize = p.spherize.method.map { Spherize(method: $0) }
        return pipeline
    }

    /// The evaluation options of the config.
    static func evaluationOptions(_ e: RunConfig.EvaluationConfig) -> ProfileEvaluation.Options {
        var options = ProfileEvaluation.Options()
        options.nullSize = e.nullSize
        options.seed = UInt64(e.seed)
        options.bootstrapResamples = e.bootstrap
        if !e.classifiers { options.linearProbe = false; options.forestTrees = 0 }
        return options
    }
}
