import Tensor
import Foundation
import Learning
import Imaging
import Profiling
import Screen
import Yams

/// The configuration of `phenoscope run`, as read from YAML and completed with defaults.
///
/// Every key has a default, so a config names only what differs; the resolved config (all
/// keys) is written to the run folder so a run can be repeated exactly. Keys are snake_case.
/// It is read with the same strict loader as `train` configs (`StrictYAML`): an unknown key,
/// a wrong type or a value outside a choice's allowed values is one line naming the key.
/// Each choice is a `ConfigChoice` enum (see RunConfigChoices.swift); their raw values are
/// the YAML words, so stage stamps (canonical JSON of these structs) keep their text.
public struct RunConfig: Codable, Equatable, Sendable {
    /// The run folder is `<runs_dir>/<name>/`.
    public var name = "default"
    /// Relative paths in the config are relative to the config file's folder.
    public var runsDir = "runs"
    public var screen = ScreenConfig()
    public var qc = QCConfig()
    public var illumination = IlluminationConfig()
    public var normalization = NormalizationConfig()
    public var segmentation = SegmentationConfig()
    public var crops = CropsConfig()
    public var features = FeaturesConfig()
    public var profiles = ProfilesConfig()
    public var evaluation = EvaluationConfig()
    public var embedding = EmbeddingConfig()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, runsDir = "runs_dir", screen, qc, illumination, normalization, segmentation, crops, features, profiles, evaluation, embedding
    }

    /// Where the images come from: an existing manifest, or a synthetic screen made on the fly.
    public struct ScreenConfig: Codable, Equatable, Sendable {
        /// A manifest CSV (DESIGN.md contract). When empty, `synthetic` is used.
        public var manifest = ""
        public var synthetic = SyntheticConfig()
        /// Plate format used to validate well names.
        public var plateWells = 96
        /// The most pixels one image file may hold, all its pages together (`--max-pixels`
        /// of the image verbs): headers over it are refused before anything is decoded.
        /// Not part of any stage stamp: it decides whether a file is read, not what is made.
        public var maxPixels = TIFFReader.defaultMaxPixels
        enum CodingKeys: String, CodingKey { case manifest, synthetic, plateWells = "plate_wells", maxPixels = "max_pixels" }
    }

    /// Options of `phenoscope synth` for the built-in default data.
    public struct SyntheticConfig: Codable, Equatable, Sendable {
        public var preset = SyntheticPreset.standard
        public var plates = 2
        /// Plates of one batch (a batch is a week, an operator: what NSCB keeps apart).
        public var platesPerBatch = 1
        /// Sites (fields of view) per well.
        public var sites = 2
        /// Image size in pixels.
        public var width = 640, height = 512
        public var seed = 1
        enum CodingKeys: String, CodingKey { case preset, plates, platesPerBatch = "plates_per_batch", sites, width, height, seed }
    }

    /// Site quality control: flagged sites (out of focus, saturated, debris) are listed in
    /// `qc/qc.csv` and, with `exclude`, left out of every later stage.
    public struct QCConfig: Codable, Equatable, Sendable {
        public var exclude = true
    }

    /// Illumination correction (CellProfiler style): per plate and channel a function from
    /// the mean of all sites, saved under `illumination/`; images are divided by it before
    /// segmentation and features. `radius`: median half-width in pixels (0 = an eighth of
    /// the shorter side).
    public struct IlluminationConfig: Codable, Equatable, Sendable {
        public var enabled = false
        public var smoothing = IlluminationSmoothing.median
        public var radius = 0
    }

    /// Intensity normalization (Bioimage Search style) after illumination correction: each
    /// group's percentiles map to 0 and 1; `output` is the corrected TIFFs' sample type.
    public struct NormalizationConfig: Codable, Equatable, Sendable {
        public var level = NormalizationLevel.none
        public var lowPercentile = 0.1
        public var highPercentile = 99.9
        public var output = CorrectedImageType.u16
        enum CodingKeys: String, CodingKey { case level, lowPercentile = "low_percentile", highPercentile = "high_percentile", output }
    }

    /// Single-cell crops (a crop store under `crops/`), off by default: the classical
    /// profile does not need them, learned embeddings do.
    public struct CropsConfig: Codable, Equatable, Sendable {
        public var enabled = false
        public var size = 96
        public var maskNeighbours = false
        public var dtype = CropDType.u16
        public var shardSize = 4096
        enum CodingKeys: String, CodingKey { case enabled, size, maskNeighbours = "mask_neighbours", dtype, shardSize = "shard_size" }
    }

    /// Where cell masks come from (see `SegmentationMethod`). `masks`: the masks.csv for
    /// method masks; `locations`: the CSV of nucleus centres for method locations (columns
    /// Metadata_Plate, Metadata_Well, Metadata_Site, Location_X, Location_Y, as DeepProfiler
    /// takes them).
    public struct SegmentationConfig: Codable, Equatable, Sendable {
        public var method = SegmentationMethod.classic
        public var masks = ""
        public var locations = ""
        public var nucleusChannel = "DNA"
        /// Otsu by default in the run, although `phenoscope segment` defaults to Li: Li's
        /// lower threshold fits nuclear masks better (mean IoU 0.88 against 0.81 on the
        /// default screen) but the profiles built on them separate MoAs worse (NSC 0.333
        /// against 0.486, mAP 0.371 against 0.442), and the profiles are what the run is for.
        public var nucleusThreshold = NucleusThreshold.otsu
        /// Method model: a nucleus model folder (`phenoscope train-segmenter` run or
        /// `models/nuclei`); empty = the model shipped with the program.
        public var model = ""
        /// Method model: the network's arithmetic; bf16 only on CPUs with bf16 units, where
        /// it is about twice as fast (a run on other CPUs stops with a one-line error).
        public var precision = NumericPrecision.f32
        enum CodingKeys: String, CodingKey {
            case method, masks, locations, nucleusChannel = "nucleus_channel", nucleusThreshold = "nucleus_threshold", model,
                 precision
        }

        /// The parameter text the segmentation stages are stamped with: every field, but
        /// `model` only when it is set and `precision` only when not f32, so run folders
        /// stamped before those keys existed stay up to date.
        public func stamp() throws -> String {
            struct Fields: Encodable {
                var method: SegmentationMethod, masks, locations, nucleusChannel: String
                var nucleusThreshold: NucleusThreshold
                var model: String?
                var precision: NumericPrecision?
                enum CodingKeys: String, CodingKey {
                    case method, masks, locations, nucleusChannel = "nucleus_channel", nucleusThreshold = "nucleus_threshold", model,
                         precision
                }
            }
            return try Stage.canonical(Fields(method: method, masks: masks, locations: locations, nucleusChannel: nucleusChannel,
                                              nucleusThreshold: nucleusThreshold, model: model.isEmpty ? nil : model,
                                              precision: precision == .f32 ? nil : precision))
        }
    }

    /// Which CellProfiler-style measurements are made per cell.
    public struct FeaturesConfig: Codable, Equatable, Sendable {
        public var families = FeatureFamily.allCases
        public var textureScales = [3]
        enum CodingKeys: String, CodingKey { case families, textureScales = "texture_scales" }
    }

    /// Profile processing, in pycytominer's order: normalize per plate against DMSO, select
    /// features, sphere against DMSO.
    /// `selection`: pycytominer's `feature_select` operations run when `feature_select` is
    /// on, in this order (`FeatureSelection`); `outlier_cutoff`: `drop_outliers`' threshold.
    public struct ProfilesConfig: Codable, Equatable, Sendable {
        public var normalize = ProfileNormalization.robustZ
        public var featureSelect = true
        public var selection = ProfilesConfig.legacySelection
        public var outlierCutoff = 500.0
        public var spherize = SpherizeChoice.none
        enum CodingKeys: String, CodingKey {
            case normalize, featureSelect = "feature_select", selection, outlierCutoff = "outlier_cutoff", spherize
        }

        /// What `feature_select: true` meant before `selection` existed.
        public static let legacySelection: [FeatureSelectionStep] = [.varianceThreshold, .correlationThreshold, .dropNaColumns]

        /// The parameter text of the stages that depend on these settings: every field, but
        /// `selection` and `outlier_cutoff` only where they differ from what a config without
        /// them meant, so run folders stamped before they existed stay up to date.
        public func stamp() throws -> String {
            struct Fields: Encodable {
                var normalize: ProfileNormalization, featureSelect: Bool, spherize: SpherizeChoice
                var selection: [FeatureSelectionStep]?, outlierCutoff: Double?
                enum CodingKeys: String, CodingKey {
                    case normalize, featureSelect = "feature_select", selection, outlierCutoff = "outlier_cutoff", spherize
                }
            }
            return try Stage.canonical(Fields(normalize: normalize, featureSelect: featureSelect, spherize: spherize,
                                              selection: selection == Self.legacySelection ? nil : selection,
                                              outlierCutoff: outlierCutoff == 500 ? nil : outlierCutoff))
        }
    }

    /// Learned embeddings as a second profile of the same wells: a model trained on the run's
    /// crops (`train`, a `phenoscope train` config whose `crops`, `runs_dir` and `name` are
    /// replaced by the run's own) or an existing run folder or .safetensors (`model`) embeds
    /// every cell; the embeddings are aggregated, normalized and evaluated like the classical
    /// features. Needs `crops.enabled`. `random_baseline`: also embed with the untrained
    /// weights of the same architecture and seed, the baseline a trained model has to beat.
    public struct EmbeddingConfig: Codable, Equatable, Sendable {
        public var enabled = false
        public var train = ""
        public var model = ""
        public var batchSize = 128
        public var randomBaseline = false
        /// The training seed, replacing the train config's own; -1 keeps the train config's
        /// (what `phenoscope run --seeds N` varies).
        public var trainSeed = -1
        enum CodingKeys: String, CodingKey {
            case enabled, train, model, batchSize = "batch_size", randomBaseline = "random_baseline", trainSeed = "train_seed"
        }
    }

    /// `null_size`: permutations in the null distribution of mAP p-values; `classifiers`:
    /// the leave-compound-out linear probe and random forest (slow on large screens);
    /// `bootstrap`: resamples of the treatments for the 95 % intervals of NSC, NSCB and mAP
    /// (0: none); `ceilings`: on a synthetic screen, also evaluate profiles from the
    /// generator's true per-well parameters (oracle) and from features measured on the
    /// ground-truth masks, the ceilings the run's profiles are read against.
    public struct EvaluationConfig: Codable, Equatable, Sendable {
        public var nullSize = 1000
        public var seed = 0
        public var classifiers = true
        public var bootstrap = 1000
        public var ceilings = true
        enum CodingKeys: String, CodingKey { case nullSize = "null_size", seed, classifiers, bootstrap, ceilings }

        /// The parameter text of the evaluation stages: `bootstrap` only when not the
        /// default and `ceilings` never (it adds stages, it changes none), so run folders
        /// stamped before they existed stay up to date.
        public func stamp() throws -> String {
            struct Fields: Encodable {
                var nullSize: Int, seed: Int, classifiers: Bool, bootstrap: Int?
                enum CodingKeys: String, CodingKey { case nullSize = "null_size", seed, classifiers, bootstrap }
            }
            return try Stage.canonical(Fields(nullSize: nullSize, seed: seed, classifiers: classifiers,
                                              bootstrap: bootstrap == 1000 ? nil : bootstrap))
        }
    }
}

extension RunConfig {
    /// Reads, completes and checks a config file.
    public static func load(_ url: URL) throws -> RunConfig {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw StrictYAML.ConfigError(description: "\(url.path): cannot read file")
        }
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> RunConfig {
        let config = try StrictYAML.decode(RunConfig.self, from: text, defaults: RunConfig(), file: file)
        try config.check(file: file)
        return config
    }

    /// The checks that span keys or bound numbers (choices are checked while decoding).
    func check(file: String) throws {
        func fail(_ key: String, _ what: String) -> StrictYAML.ConfigError { .init(description: "\(file): \(key): \(what)") }
        // The run folder is removed and rewritten by stages: a name that leaves runs_dir
        // ("..", ".") would point them at the user's other data.
        guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), name != ".", name != ".." else {
            throw fail("name", "'\(name)' must be a folder name (not empty, '.', '..', nor containing a slash)")
        }
        let s = screen.synthetic
        if let problem = PlaneReader.pixelBudgetProblem(screen.maxPixels, key: "screen.max_pixels") {
            throw StrictYAML.ConfigError(description: "\(file): \(problem)")
        }
        guard Manifest.plateGeometry(screen.plateWells) != nil else {
            throw fail("screen.plate_wells", "\(screen.plateWells); expected 6, 24, 96, 384 or 1536")
        }
        guard (1...ScreenLayout.maxPlates).contains(s.plates) else {
            throw fail("screen.synthetic.plates", "\(s.plates); expected 1 to \(ScreenLayout.maxPlates)")
        }
        guard s.platesPerBatch >= 1 else { throw fail("screen.synthetic.plates_per_batch", "expected at least 1") }
        guard (1...ScreenLayout.maxSitesPerWell).contains(s.sites) else {
            throw fail("screen.synthetic.sites", "\(s.sites); expected 1 to \(ScreenLayout.maxSitesPerWell)")
        }
        guard s.width >= 64, s.height >= 64, s.width <= 8192, s.height <= 8192 else {
            throw fail("screen.synthetic.width/height", "\(s.width)x\(s.height); expected 64 to 8192 pixels")
        }
        guard s.seed >= 0 else { throw fail("screen.synthetic.seed", "\(s.seed); expected >= 0") }
        guard evaluation.seed >= 0 else { throw fail("evaluation.seed", "\(evaluation.seed); expected >= 0") }
        if segmentation.method == .locations && segmentation.locations.isEmpty {
            throw fail("segmentation.locations", "method 'locations' needs the path of a CSV of cell locations")
        }
        if segmentation.method == .groundTruth && !screen.manifest.isEmpty {
            throw fail("segmentation.method", "ground_truth masks exist only for a synthetic screen (screen.manifest is set)")
        }
        if segmentation.method == .masks && segmentation.masks.isEmpty {
            throw fail("segmentation.masks", "method 'masks' needs the path of a masks.csv")
        }
        guard illumination.radius >= 0 else { throw fail("illumination.radius", "expected 0 or a positive number of pixels") }
        guard normalization.lowPercentile >= 0, normalization.lowPercentile < normalization.highPercentile, normalization.highPercentile <= 100 else {
            throw fail("normalization.low_percentile/high_percentile", "expected 0 <= low < high <= 100")
        }
        guard (1...CropExtraction.maxSize).contains(crops.size) else {
            throw fail("crops.size", "\(crops.size); expected 1 to \(CropExtraction.maxSize) pixels")
        }
        guard crops.shardSize >= 1 else { throw fail("crops.shard_size", "expected at least 1") }
        if crops.enabled && crops.maskNeighbours && segmentation.method == .locations {
            throw fail("crops.mask_neighbours", "with segmentation.method locations crops are centred on the given locations and have no neighbour masks")
        }
        if crops.enabled && normalization.output == .f32 && preprocesses {
            throw fail("crops.enabled", "crops are cut from 16-bit images; set normalization.output to u16")
        }
        guard features.textureScales.allSatisfy({ $0 >= 1 }) else { throw fail("features.texture_scales", "expected positive integers") }
        guard (1...ProfileEvaluation.Options.maxNullSize).contains(evaluation.nullSize) else {
            throw fail("evaluation.null_size", "\(evaluation.nullSize); expected 1 to \(ProfileEvaluation.Options.maxNullSize)")
        }
        guard (0...ProfileEvaluation.Options.maxBootstrapResamples).contains(evaluation.bootstrap) else {
            throw fail("evaluation.bootstrap", "\(evaluation.bootstrap); expected 0 (no intervals) to \(ProfileEvaluation.Options.maxBootstrapResamples) resamples")
        }
        guard profiles.outlierCutoff >= 0 else { throw fail("profiles.outlier_cutoff", "expected >= 0") }
        if profiles.featureSelect && profiles.selection.isEmpty {
            throw fail("profiles.selection", "feature_select is on but no operation is listed")
        }
        if embedding.enabled {
            guard crops.enabled else { throw fail("embedding.enabled", "learned embeddings are computed from crops; set crops.enabled: true") }
            guard embedding.train.isEmpty != embedding.model.isEmpty else {
                throw fail("embedding.train/model", "give exactly one: a train config to train on this run's crops, or an existing model")
            }
            guard embedding.batchSize >= 1 else { throw fail("embedding.batch_size", "expected at least 1") }
            guard embedding.trainSeed >= -1 else { throw fail("embedding.train_seed", "expected -1 (the train config's seed) or a seed >= 0") }
        }
    }

    /// Whether segmentation, features and crops read corrected images (illumination
    /// correction or intensity normalization on).
    public var preprocesses: Bool { illumination.enabled || normalization.level != .none }

    /// The resolved config as YAML, every key present.
    public func yaml() throws -> String { try YAMLEncoder().encode(self) }
}
