import Foundation
import Imaging
import NeuralNet
import Yams

/// The configuration of `phenoscope train-segmenter`: a nucleus segmentation network trained
/// on annotated images (Data Science Bowl layout or image + label TIFF pairs), read from YAML
/// with `StrictYAML` (an unknown key or a wrong value is a one-line error naming it).
///
/// The split is by image and stratified by image kind (`AnnotatedNuclei.validationIDs`), or
/// read from `validation_ids` (one id a line); only images of `kinds` are trained on. Schedules
/// run by optimizer step, so `steps` bounds the CPU time: a step is one batch of
/// `batch_size` random `patch_size` patches.
public struct SegmenterConfig: Codable, Equatable, Sendable {
    public var name = "segmenter"
    public var runsDir = "runs"
    /// Folder of annotated images (`AnnotatedNuclei` layouts) or a synthetic screen.
    public var data = "stage1_train"
    /// More annotated folders or synthetic screens trained on beside `data` (a user's own
    /// images): all their images of `kinds` are training images, so the validation split, and
    /// the best step chosen on it, come from `data` alone.
    public var extraData: [String] = []
    public var kinds: [AnnotatedNuclei.Kind] = [.fluorescence]
    public var validationFraction: Double = 0.15
    /// A file of validation ids (one a line) instead of a drawn split; relative to the config.
    public var validationIds = ""
    public var widths = [16, 32, 64, 128]
    public var patchSize = 128
    public var batchSize = 8
    public var steps = 4000
    public var lr: Double = 2e-3
    public var minLr: Double = 2e-5
    public var warmupSteps = 100
    public var weightDecay: Double = 1e-4
    public var augmentation = Augmentation()
    public var normalization = PercentileNormalization()
    /// Steps between checkpoints and between validation-loss evaluations.
    public var checkpointEvery = 200
    public var evalEvery = 200
    /// Patches of the validation images scored at each evaluation (fixed, unaugmented).
    public var validationPatches = 64
    public var seed = 0
    /// Compute threads (0 = all cores).
    public var threads = 0
    /// Start from these weights (a segmenter run folder or .safetensors): fine-tuning.
    public var initFrom = ""

    /// Random augmentations of one training patch, in this order: scale (resampling), flips
    /// and 90-degree rotations, gamma, gain, Gaussian noise.
    public struct Augmentation: Codable, Equatable, Sendable {
        public var flips = true
        public var rotate90 = true
        /// Zoom factor drawn log-uniformly from [scale_min, scale_max]: nuclei of 10 to 80 px
        /// across look alike to the network after it.
        public var scaleMin: Double = 0.5
        public var scaleMax: Double = 2.0
        /// Intensity x^gamma, gamma log-uniform in [gamma_min, gamma_max].
        public var gammaMin: Double = 0.6
        public var gammaMax: Double = 1.6
        /// Gain max(N(1, gain_jitter), 0.3).
        public var gainJitter: Double = 0.2
        /// Gaussian noise with sigma uniform in [0, noise] (normalized units).
        public var noise: Double = 0.03
        public init() {}
        enum CodingKeys: String, CodingKey {
            case flips, rotate90, scaleMin = "scale_min", scaleMax = "scale_max", gammaMin = "gamma_min",
                 gammaMax = "gamma_max", gainJitter = "gain_jitter", noise
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, runsDir = "runs_dir", data, extraData = "extra_data", kinds, validationFraction = "validation_fraction",
             validationIds = "validation_ids", widths, patchSize = "patch_size", batchSize = "batch_size", steps, lr,
             minLr = "min_lr", warmupSteps = "warmup_steps", weightDecay = "weight_decay", augmentation, normalization,
             checkpointEvery = "checkpoint_every", evalEvery = "eval_every", validationPatches = "validation_patches",
             seed, threads, initFrom = "init_from"
    }

    public static func load(_ url: URL) throws -> SegmenterConfig {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw StrictYAML.ConfigError(description: "\(url.path): cannot read file")
        }
        let config = try StrictYAML.decode(SegmenterConfig.self, from: text, defaults: SegmenterConfig(), file: url.path)
        try config.validate(file: url.path)
        return config
    }

    /// The resolved config (every key) as YAML.
    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    public var unet: UNet.Config { UNet.Config(inChannels: 1, outChannels: 2, widths: widths) }

    func validate(file: String) throws {
        func fail(_ key: String, _ what: String) -> StrictYAML.ConfigError { .init(description: "\(file): \(key): \(what)") }
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw fail("name", "'\(name)' must be a non-empty folder name")
        }
        guard !kinds.isEmpty else { throw fail("kinds", "expected at least one of \(AnnotatedNuclei.Kind.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard validationFraction >= 0, validationFraction < 1 else { throw fail("validation_fraction", "\(validationFraction); expected 0 <= f < 1") }
        guard widths.count >= 2, widths.count <= 6, widths.allSatisfy({ $0 >= 1 && $0 <= 1024 }) else {
            throw fail("widths", "\(widths); expected 2 to 6 levels of 1 to 1024 channels")
        }
        let multiple = 1 << (widths.count - 1)
        guard patchSize >= multiple, patchSize <= 1024, patchSize % multiple == 0 else {
            throw fail("patch_size", "\(patchSize); expected a multiple of \(multiple) up to 1024")
        }
        guard batchSize >= 2, batchSize <= 256 else { throw fail("batch_size", "\(batchSize); expected 2 to 256 (batch norm needs 2)") }
        guard steps >= 1 else { throw fail("steps", "\(steps); expected at least 1") }
        guard warmupSteps >= 0, warmupSteps <= steps else { throw fail("warmup_steps", "\(warmupSteps); expected 0...steps") }
        guard lr > 0, lr.isFinite, minLr >= 0, minLr <= lr else { throw fail("lr", "\(lr), min_lr \(minLr); expected 0 <= min_lr <= lr") }
        guard weightDecay >= 0 else { throw fail("weight_decay", "\(weightDecay); expected >= 0") }
        guard checkpointEvery >= 1 else { throw fail("checkpoint_every", "expected at least 1") }
        guard evalEvery >= 0 else { throw fail("eval_every", "expected >= 0") }
        guard validationPatches >= 0 else { throw fail("validation_patches", "expected >= 0") }
        guard threads >= 0 else { throw fail("threads", "expected >= 0") }
        guard seed >= 0 else { throw fail("seed", "\(seed); expected >= 0") }
        let a = augmentation
        guard a.scaleMin > 0, a.scaleMin <= a.scaleMax, a.scaleMax <= 8 else {
            throw fail("augmentation.scale_min", "[\(a.scaleMin), \(a.scaleMax)]; expected 0 < min <= max <= 8")
        }
        guard a.gammaMin > 0, a.gammaMin <= a.gammaMax else { throw fail("augmentation.gamma_min", "[\(a.gammaMin), \(a.gammaMax)]; expected 0 < min <= max") }
        guard a.gainJitter >= 0, a.noise >= 0 else { throw fail("augmentation.gain_jitter", "expected gain_jitter >= 0 and noise >= 0") }
        guard normalization.low >= 0, normalization.low < normalization.high, normalization.high <= 1 else {
            throw fail("normalization", "[\(normalization.low), \(normalization.high)]; expected 0 <= low < high <= 1")
        }
    }
}
