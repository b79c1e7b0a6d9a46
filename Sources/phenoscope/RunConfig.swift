import Foundation
import Imaging
import Yams

/// The configuration of `phenoscope run`, as read from YAML and completed with defaults.
///
/// Every key has a default, so a config names only what differs; the resolved config (all
/// keys) is written to the run folder so a run can be repeated exactly. Keys are snake_case.
/// An unknown key is an error naming it, so a typo never silently falls back to a default.
struct RunConfig: Codable, Equatable {
    /// The run folder is `<runs_dir>/<name>/`.
    var name = "default"
    /// Relative paths in the config are relative to the config file's folder.
    var runsDir = "runs"
    var screen = ScreenConfig()
    var qc = QCConfig()
    var illumination = IlluminationConfig()
    var normalization = NormalizationConfig()
    var segmentation = SegmentationConfig()
    var crops = CropsConfig()
    var features = FeaturesConfig()
    var profiles = ProfilesConfig()
    var evaluation = EvaluationConfig()
    var embedding = EmbeddingConfig()

    /// Where the images come from: an existing manifest, or a synthetic screen made on the fly.
    struct ScreenConfig: Codable, Equatable {
        /// A manifest CSV (DESIGN.md contract). When empty, `synthetic` is used.
        var manifest = ""
        var synthetic = SyntheticConfig()
        /// Plate format used to validate well names.
        var plateWells = 96
    }

    /// Options of `phenoscope synth` for the built-in default data.
    struct SyntheticConfig: Codable, Equatable {
        var preset = "standard"
        var plates = 2
        var platesPerBatch = 1
        var sites = 2
        var width = 640
        var height = 512
        var seed = 1
    }

    /// Site quality control: flagged sites (out of focus, saturated, debris) are listed in
    /// `qc/qc.csv` and, with `exclude`, left out of every later stage.
    struct QCConfig: Codable, Equatable {
        var exclude = true
    }

    /// Illumination correction (CellProfiler style): per plate and channel a function from
    /// the mean of all sites, saved under `illumination/`; images are divided by it before
    /// segmentation and features. `smoothing`: median or polynomial; `radius`: median
    /// half-width in pixels (0 = an eighth of the shorter side).
    struct IlluminationConfig: Codable, Equatable {
        var enabled = false
        var smoothing = "median"
        var radius = 0
    }

    /// Intensity normalization (Bioimage Search style) after illumination correction:
    /// `level` none, plate, well or image; each group's percentiles map to 0 and 1.
    /// `output`: u16 or f32 TIFFs for the corrected screen.
    struct NormalizationConfig: Codable, Equatable {
        var level = "none"
        var lowPercentile = 0.1
        var highPercentile = 99.9
        var output = "u16"
    }

    /// Single-cell crops (a crop store under `crops/`), off by default: the classical
    /// profile does not need them, learned embeddings do.
    struct CropsConfig: Codable, Equatable {
        var enabled = false
        var size = 96
        var maskNeighbours = false
        var dtype = "u16"
        var shardSize = 4096
    }

    /// Where cell masks come from. `classic`: nuclei by a global threshold (`nucleus_threshold`)
    /// and distance-transform watershed on `nucleus_channel`, cells by propagation over the
    /// other channels;
    /// `ground_truth`: the synthetic screen's true masks (only for synthetic data); `masks`:
    /// an existing masks.csv (DESIGN.md contract); `locations`: given nucleus centres (a CSV
    /// with Metadata_Plate, Metadata_Well, Metadata_Site, Location_X, Location_Y, as
    /// DeepProfiler takes them), nuclei and cells grown from them.
    struct SegmentationConfig: Codable, Equatable {
        var method = "classic"
        var masks = ""
        var locations = ""
        var nucleusChannel = "DNA"
        /// `otsu` or `li`. Otsu by default in the run, although `phenoscope segment` defaults to
        /// Li: Li's lower threshold fits nuclear masks better (mean IoU 0.88 against 0.81 on the
        /// default screen) but the profiles built on them separate MoAs worse (NSC 0.333 against
        /// 0.486, mAP 0.371 against 0.442), and the profiles are what the run is for.
        var nucleusThreshold = "otsu"
    }

    /// Which CellProfiler-style measurements are made per cell.
    struct FeaturesConfig: Codable, Equatable {
        var families = ["intensity", "shape", "texture", "granularity", "radial", "correlation"]
        var textureScales = [3]
    }

    /// Profile processing, in pycytominer's order: normalize per plate against DMSO, select
    /// features, sphere against DMSO.
    struct ProfilesConfig: Codable, Equatable {
        /// none, standardize or robust-z.
        var normalize = "robust-z"
        var featureSelect = true
        /// none, zca or zca-cor.
        var spherize = "none"
    }

    /// Learned embeddings as a second profile of the same wells: a model trained on the run's
    /// crops (`train`, a `phenoscope train` config) or an existing one (`model`) embeds every
    /// cell; the embeddings are aggregated, normalized and evaluated like the classical
    /// features. Needs `crops.enabled`.
    struct EmbeddingConfig: Codable, Equatable {
        var enabled = false
        /// A `phenoscope train` config (README: Training); its `crops`, `runs_dir` and `name`
        /// are replaced by the run's own (crops/ and model/ in the run folder).
        var train = ""
        /// An existing run folder or .safetensors backbone to embed with instead of training.
        var model = ""
        var batchSize = 128
        /// Also embed with the untrained weights of the same architecture and seed: the
        /// baseline a trained model has to beat.
        var randomBaseline = false
    }

    struct EvaluationConfig: Codable, Equatable {
        /// Permutations in the null distribution of mAP p-values.
        var nullSize = 1000
        var seed = 0
        /// The leave-compound-out linear probe and random forest (slow on large screens).
        var classifiers = true
    }
}

// Decoding with defaults: every key optional. Written out per type because Codable's
// synthesized init requires every key.
extension RunConfig {
    enum CodingKeys: String, CodingKey {
        case name, runsDir = "runs_dir", screen, qc, illumination, normalization, segmentation, crops, features, profiles, evaluation, embedding
    }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        runsDir = try c.decodeIfPresent(String.self, forKey: .runsDir) ?? d.runsDir
        screen = try c.decodeIfPresent(ScreenConfig.self, forKey: .screen) ?? d.screen
        qc = try c.decodeIfPresent(QCConfig.self, forKey: .qc) ?? d.qc
        illumination = try c.decodeIfPresent(IlluminationConfig.self, forKey: .illumination) ?? d.illumination
        normalization = try c.decodeIfPresent(NormalizationConfig.self, forKey: .normalization) ?? d.normalization
        segmentation = try c.decodeIfPresent(SegmentationConfig.self, forKey: .segmentation) ?? d.segmentation
        crops = try c.decodeIfPresent(CropsConfig.self, forKey: .crops) ?? d.crops
        features = try c.decodeIfPresent(FeaturesConfig.self, forKey: .features) ?? d.features
        profiles = try c.decodeIfPresent(ProfilesConfig.self, forKey: .profiles) ?? d.profiles
        evaluation = try c.decodeIfPresent(EvaluationConfig.self, forKey: .evaluation) ?? d.evaluation
        embedding = try c.decodeIfPresent(EmbeddingConfig.self, forKey: .embedding) ?? d.embedding
    }
}

extension RunConfig.EmbeddingConfig {
    enum CodingKeys: String, CodingKey { case enabled, train, model, batchSize = "batch_size", randomBaseline = "random_baseline" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        train = try c.decodeIfPresent(String.self, forKey: .train) ?? d.train
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? d.model
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        randomBaseline = try c.decodeIfPresent(Bool.self, forKey: .randomBaseline) ?? d.randomBaseline
    }
}

extension RunConfig.ScreenConfig {
    enum CodingKeys: String, CodingKey { case manifest, synthetic, plateWells = "plate_wells" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        manifest = try c.decodeIfPresent(String.self, forKey: .manifest) ?? d.manifest
        synthetic = try c.decodeIfPresent(RunConfig.SyntheticConfig.self, forKey: .synthetic) ?? d.synthetic
        plateWells = try c.decodeIfPresent(Int.self, forKey: .plateWells) ?? d.plateWells
    }
}

extension RunConfig.SyntheticConfig {
    enum CodingKeys: String, CodingKey {
        case preset, plates, platesPerBatch = "plates_per_batch", sites, width, height, seed
    }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        preset = try c.decodeIfPresent(String.self, forKey: .preset) ?? d.preset
        plates = try c.decodeIfPresent(Int.self, forKey: .plates) ?? d.plates
        platesPerBatch = try c.decodeIfPresent(Int.self, forKey: .platesPerBatch) ?? d.platesPerBatch
        sites = try c.decodeIfPresent(Int.self, forKey: .sites) ?? d.sites
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        height = try c.decodeIfPresent(Int.self, forKey: .height) ?? d.height
        seed = try c.decodeIfPresent(Int.self, forKey: .seed) ?? d.seed
    }
}

extension RunConfig.QCConfig {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exclude = try c.decodeIfPresent(Bool.self, forKey: .exclude) ?? Self().exclude
    }
}

extension RunConfig.IlluminationConfig {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        smoothing = try c.decodeIfPresent(String.self, forKey: .smoothing) ?? d.smoothing
        radius = try c.decodeIfPresent(Int.self, forKey: .radius) ?? d.radius
    }
}

extension RunConfig.NormalizationConfig {
    enum CodingKeys: String, CodingKey { case level, lowPercentile = "low_percentile", highPercentile = "high_percentile", output }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        level = try c.decodeIfPresent(String.self, forKey: .level) ?? d.level
        lowPercentile = try c.decodeIfPresent(Double.self, forKey: .lowPercentile) ?? d.lowPercentile
        highPercentile = try c.decodeIfPresent(Double.self, forKey: .highPercentile) ?? d.highPercentile
        output = try c.decodeIfPresent(String.self, forKey: .output) ?? d.output
    }
}

extension RunConfig.CropsConfig {
    enum CodingKeys: String, CodingKey { case enabled, size, maskNeighbours = "mask_neighbours", dtype, shardSize = "shard_size" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        size = try c.decodeIfPresent(Int.self, forKey: .size) ?? d.size
        maskNeighbours = try c.decodeIfPresent(Bool.self, forKey: .maskNeighbours) ?? d.maskNeighbours
        dtype = try c.decodeIfPresent(String.self, forKey: .dtype) ?? d.dtype
        shardSize = try c.decodeIfPresent(Int.self, forKey: .shardSize) ?? d.shardSize
    }
}

extension RunConfig.SegmentationConfig {
    enum CodingKeys: String, CodingKey { case method, masks, locations, nucleusChannel = "nucleus_channel", nucleusThreshold = "nucleus_threshold" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? d.method
        masks = try c.decodeIfPresent(String.self, forKey: .masks) ?? d.masks
        locations = try c.decodeIfPresent(String.self, forKey: .locations) ?? d.locations
        nucleusChannel = try c.decodeIfPresent(String.self, forKey: .nucleusChannel) ?? d.nucleusChannel
        nucleusThreshold = try c.decodeIfPresent(String.self, forKey: .nucleusThreshold) ?? d.nucleusThreshold
    }
}

extension RunConfig.FeaturesConfig {
    enum CodingKeys: String, CodingKey { case families, textureScales = "texture_scales" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        families = try c.decodeIfPresent([String].self, forKey: .families) ?? d.families
        textureScales = try c.decodeIfPresent([Int].self, forKey: .textureScales) ?? d.textureScales
    }
}

extension RunConfig.ProfilesConfig {
    enum CodingKeys: String, CodingKey { case normalize, featureSelect = "feature_select", spherize }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        normalize = try c.decodeIfPresent(String.self, forKey: .normalize) ?? d.normalize
        featureSelect = try c.decodeIfPresent(Bool.self, forKey: .featureSelect) ?? d.featureSelect
        spherize = try c.decodeIfPresent(String.self, forKey: .spherize) ?? d.spherize
    }
}

extension RunConfig.EvaluationConfig {
    enum CodingKeys: String, CodingKey { case nullSize = "null_size", seed, classifiers }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        nullSize = try c.decodeIfPresent(Int.self, forKey: .nullSize) ?? d.nullSize
        seed = try c.decodeIfPresent(Int.self, forKey: .seed) ?? d.seed
        classifiers = try c.decodeIfPresent(Bool.self, forKey: .classifiers) ?? d.classifiers
    }
}

extension RunConfig {
    /// Reads, completes and checks a config file.
    static func load(_ url: URL) throws -> RunConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigError(file: url.path, message: "cannot read file")
        }
        return try parse(text, file: url.path)
    }

    static func parse(_ text: String, file: String) throws -> RunConfig {
        let config: RunConfig
        do {
            config = try YAMLDecoder().decode(RunConfig.self, from: text.isEmpty ? "{}" : text)
        } catch let DecodingError.typeMismatch(type, ctx), let DecodingError.valueNotFound(type, ctx) {
            throw ConfigError(file: file, message: "\(ConfigError.path(ctx.codingPath)): expected \(type)")
        } catch let DecodingError.dataCorrupted(ctx) {
            let detail = ctx.underlyingError.map { "\($0)".split(separator: "\n").joined(separator: " ") } ?? ctx.debugDescription
            throw ConfigError(file: file, message: "\(ConfigError.path(ctx.codingPath)): \(detail)")
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        // Unknown keys: every key the user wrote must appear in the fully resolved config.
        let resolved = try Yams.compose(yaml: config.yaml())
        if let user = try Yams.compose(yaml: text), let unknown = ConfigError.firstUnknownKey(user, in: resolved, path: []) {
            throw ConfigError(file: file, message: "unknown key '\(unknown)'")
        }
        try config.check(file: file)
        return config
    }

    func check(file: String) throws {
        func fail(_ key: String, _ what: String) -> ConfigError { ConfigError(file: file, message: "\(key): \(what)") }
        guard !name.isEmpty, !name.contains("/") else { throw fail("name", "'\(name)' must be a non-empty folder name") }
        let s = screen.synthetic
        guard s.plates >= 1 else { throw fail("screen.synthetic.plates", "expected at least 1") }
        guard s.platesPerBatch >= 1 else { throw fail("screen.synthetic.plates_per_batch", "expected at least 1") }
        guard s.sites >= 1 else { throw fail("screen.synthetic.sites", "expected at least 1") }
        guard s.width >= 64, s.height >= 64 else { throw fail("screen.synthetic.width/height", "expected at least 64 pixels") }
        guard ["standard", "bbbc021"].contains(s.preset) else { throw fail("screen.synthetic.preset", "'\(s.preset)': expected standard or bbbc021") }
        guard ["classic", "ground_truth", "masks", "locations"].contains(segmentation.method) else {
            throw fail("segmentation.method", "'\(segmentation.method)': expected classic, ground_truth, masks or locations")
        }
        guard Segmentation.ThresholdMethod(rawValue: segmentation.nucleusThreshold) != nil else {
            throw fail("segmentation.nucleus_threshold", "'\(segmentation.nucleusThreshold)': expected otsu or li")
        }
        if segmentation.method == "locations" && segmentation.locations.isEmpty {
            throw fail("segmentation.locations", "method 'locations' needs the path of a CSV of cell locations")
        }
        if segmentation.method == "ground_truth" && !screen.manifest.isEmpty {
            throw fail("segmentation.method", "ground_truth masks exist only for a synthetic screen (screen.manifest is set)")
        }
        if segmentation.method == "masks" && segmentation.masks.isEmpty {
            throw fail("segmentation.masks", "method 'masks' needs the path of a masks.csv")
        }
        guard ["median", "polynomial"].contains(illumination.smoothing) else {
            throw fail("illumination.smoothing", "'\(illumination.smoothing)': expected median or polynomial")
        }
        guard illumination.radius >= 0 else { throw fail("illumination.radius", "expected 0 or a positive number of pixels") }
        guard ["none", "plate", "well", "image"].contains(normalization.level) else {
            throw fail("normalization.level", "'\(normalization.level)': expected none, plate, well or image")
        }
        guard normalization.lowPercentile >= 0, normalization.lowPercentile < normalization.highPercentile, normalization.highPercentile <= 100 else {
            throw fail("normalization.low_percentile/high_percentile", "expected 0 <= low < high <= 100")
        }
        guard ["u16", "f32"].contains(normalization.output) else { throw fail("normalization.output", "'\(normalization.output)': expected u16 or f32") }
        guard crops.size >= 1 else { throw fail("crops.size", "expected a positive number of pixels") }
        guard crops.shardSize >= 1 else { throw fail("crops.shard_size", "expected at least 1") }
        guard ["u16", "f16"].contains(crops.dtype) else { throw fail("crops.dtype", "'\(crops.dtype)': expected u16 or f16") }
        if crops.enabled && crops.maskNeighbours && segmentation.method == "locations" {
            throw fail("crops.mask_neighbours", "with segmentation.method locations crops are centred on the given locations and have no neighbour masks")
        }
        if crops.enabled && normalization.output == "f32" && (illumination.enabled || normalization.level != "none") {
            throw fail("crops.enabled", "crops are cut from 16-bit images; set normalization.output to u16")
        }
        let known = ["intensity", "shape", "texture", "granularity", "radial", "correlation"]
        if let bad = features.families.first(where: { !known.contains($0) }) {
            throw fail("features.families", "'\(bad)': expected some of \(known.joined(separator: ", "))")
        }
        guard features.textureScales.allSatisfy({ $0 >= 1 }) else { throw fail("features.texture_scales", "expected positive integers") }
        guard ["none", "standardize", "robust-z"].contains(profiles.normalize) else {
            throw fail("profiles.normalize", "'\(profiles.normalize)': expected none, standardize or robust-z")
        }
        guard ["none", "zca", "zca-cor"].contains(profiles.spherize) else {
            throw fail("profiles.spherize", "'\(profiles.spherize)': expected none, zca or zca-cor")
        }
        guard evaluation.nullSize >= 1 else { throw fail("evaluation.null_size", "expected at least 1") }
        if embedding.enabled {
            guard crops.enabled else { throw fail("embedding.enabled", "learned embeddings are computed from crops; set crops.enabled: true") }
            guard embedding.train.isEmpty != embedding.model.isEmpty else {
                throw fail("embedding.train/model", "give exactly one: a train config to train on this run's crops, or an existing model")
            }
            guard embedding.batchSize >= 1 else { throw fail("embedding.batch_size", "expected at least 1") }
        }
    }

    /// The resolved config as YAML, every key present.
    func yaml() throws -> String { try YAMLEncoder().encode(self) }
}

/// A config problem, printed as `file: key: message`.
struct ConfigError: Error, CustomStringConvertible {
    var file: String
    var message: String
    var description: String { "\(file): \(message)" }

    static func path(_ keys: [CodingKey]) -> String {
        keys.isEmpty ? "(top level)" : keys.map(\.stringValue).joined(separator: ".")
    }

    static func firstUnknownKey(_ user: Node, in resolved: Node?, path: [String]) -> String? {
        guard case .mapping(let u) = user else { return nil }
        guard case .mapping(let r)? = resolved else { return nil }
        for (k, v) in u {
            guard let key = k.string else { continue }
            guard let sub = r[Node(key)] else { return (path + [key]).joined(separator: ".") }
            if let found = firstUnknownKey(v, in: sub, path: path + [key]) { return found }
        }
        return nil
    }
}
