import Foundation
import Yams

/// The configuration of `phenoscope train`, read from YAML, every key optional.
///
/// Key names follow the DINO / Dino4Cells configs where one exists (`out_dim`, `teacher_temp`,
/// `warmup_teacher_temp_epochs`, `momentum_teacher`, `global_crops_scale`, `local_crops_number`,
/// `weight_decay_end`, `clip_grad`, `min_lr`, `warmup_epochs`) and the SimCLR cell-profiling
/// config otherwise (`temperature`, `projection_dims`). `batch_size` is the GLOBAL batch: under
/// `mpirun -np N` each rank takes batch_size / N of it. An unknown key is a one-line error
/// naming it. The resolved config (every key) is written to the run folder.
public struct TrainConfig: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable, CaseIterable { case supervised, simclr, dino }

    /// Run folder: `<runs_dir>/<name>/`; relative paths are relative to the config file.
    public var name = "train"
    public var runsDir = "runs"
    /// A crop store (`phenoscope crops` output folder).
    public var crops = "crops"
    public var method = Method.supervised
    /// cnn4, resnet18, resnet50, vit-tiny, vit-small, vit-base.
    public var arch = "cnn4"
    public var patchSize = 8
    /// Side of the (square) network input; crops are centre-cropped or padded to it. 0 = crop size.
    public var imageSize = 0
    public var batchSize = 32
    public var epochs = 2
    /// Training cells drawn per epoch (0 = all): bounds epoch length on large screens.
    public var cellsPerEpoch = 0
    /// sgd, adamw or lars.
    public var optimizer = "adamw"
    /// Peak learning rate (after warmup), decayed by a per-step cosine to `min_lr`.
    public var lr: Double = 1e-3
    public var minLr: Double = 1e-5
    public var warmupEpochs: Double = 0
    /// Weight decay follows a cosine from `weight_decay` to `weight_decay_end` (DINO).
    public var weightDecay: Double = 0.04
    public var weightDecayEnd: Double = 0.04
    public var momentum: Double = 0.9
    /// Global gradient-norm clip; 0 = off.
    public var clipGrad: Double = 3.0
    /// Column of cells.csv holding the supervised label (and the kNN evaluation label).
    public var labelColumn = "Metadata_MoA"
    /// Class-balanced sampling and class-weighted loss (supervised).
    public var balanced = true
    /// Fraction of the `split_by` groups held out for validation (never a random cell split
    /// unless split_by is []): the classifier's confusion matrix and per-class accuracy and
    /// the kNN accuracy are measured on them.
    public var validationFraction: Double = 0.2
    /// cells.csv columns whose values make a split group: [Metadata_Compound] (default;
    /// unseen compounds), [Metadata_Plate, Metadata_Well] (unseen wells), [Metadata_Plate]...
    public var splitBy = ["Metadata_Compound"]
    /// Stop after this many evaluations without validation-accuracy gain; 0 = never.
    public var earlyStoppingPatience = 0
    public var labelSmoothing: Double = 0.1
    /// SimCLR NT-Xent temperature.
    public var temperature: Double = 0.1
    /// SimCLR projection head widths after the backbone, e.g. [256, 128].
    public var projectionDims = [256, 128]
    /// DINO head output dimension and hidden/bottleneck widths.
    public var outDim = 1024
    public var headHiddenDim = 512
    public var headBottleneckDim = 128
    public var teacherTemp: Double = 0.04
    public var warmupTeacherTemp: Double = 0.04
    public var warmupTeacherTempEpochs = 0
    public var studentTemp: Double = 0.1
    /// EMA momentum of the teacher, raised to 1 by a cosine over training.
    public var momentumTeacher: Double = 0.996
    public var centerMomentum: Double = 0.9
    /// Epochs during which the DINO head's last layer is not updated.
    public var freezeLastLayer = 0
    public var globalCropsScale: [Double] = [0.4, 1.0]
    public var localCropsNumber = 2
    public var localCropsScale: [Double] = [0.1, 0.4]
    public var localCropSize = 0
    public var augmentation = Augmentation()
    /// Evaluate kNN accuracy on the validation split every this many epochs; 0 = never.
    public var evalEvery = 1
    public var checkpointEvery = 1
    public var seed = 0
    /// Compute threads (0 = all cores) and data-loading threads.
    public var threads = 0
    public var loaderThreads = 1
    /// Batches prepared ahead on a background thread while the current one trains; 0 = build
    /// each batch on the training thread.
    public var prefetchBatches = 2
    /// Leave-one-compound-out: the compound whose cells are excluded from training.
    public var heldOutCompound = ""
    /// Start from these backbone weights (a checkpoint or run folder); heads start fresh.
    public var initFrom = ""
    /// Compute the training loop may spend (`budget: {cpu_seconds: 3600}` is 30 minutes of
    /// 2 cores); the schedule still spans `epochs`, the loop just ends early.
    public var budget = Budget()

    /// A training budget: after the step that reaches a limit the loop ends the epoch there
    /// (validation, `best.safetensors`, a checkpoint, the exported backbone as after the last
    /// epoch) and records the stop (`stopped_for_budget` in checkpoint.json and metrics.jsonl).
    /// 0 = no limit. CPU seconds count every thread of the process (user + system) since the
    /// loop started, so the budget means the same work whatever else runs on the machine;
    /// under MPI each rank counts its own and the loop ends when any rank reaches it.
    public struct Budget: Codable, Equatable, Sendable {
        public var cpuSeconds: Double = 0
        public var wallSeconds: Double = 0
        public init() {}
        enum CodingKeys: String, CodingKey { case cpuSeconds = "cpu_seconds", wallSeconds = "wall_seconds" }

        /// Whether `cpu` CPU seconds and `wall` seconds have reached a limit.
        public func reached(cpu: Double, wall: Double) -> Bool {
            (cpuSeconds > 0 && cpu >= cpuSeconds) || (wallSeconds > 0 && wall >= wallSeconds)
        }
    }

    /// Random augmentations of one view (see `CellAugmentation` for the order and the
    /// Dino4Cells counterpart of each). New ones default to off.
    public struct Augmentation: Codable, Equatable, Sendable {
        public var flips = true
        public var rotate90 = true
        /// Per-channel brightness: intensities times max(N(1, intensity_jitter), 0.5); 0 = off.
        public var intensityJitter: Double = 0.1
        /// Per-channel intensity shift: N(0, intensity_shift) standard deviations of the channel
        /// added to it; 0 = off.
        public var intensityShift: Double = 0
        /// Per-channel contrast about the channel's mean, factor max(N(1, contrast_jitter), 0.5); 0 = off.
        public var contrastJitter: Double = 0
        /// Probability to zero one channel.
        public var channelDrop: Double = 0
        /// Random resized crop: area fraction and aspect ratio ranges (supervised, SimCLR;
        /// DINO uses global_crops_scale / local_crops_scale for the area).
        public var cropScaleMin: Double = 1.0
        public var cropScaleMax: Double = 1.0
        public var cropRatioMin: Double = 1.0
        public var cropRatioMax: Double = 1.0
        /// Elastic warp: probability, displacement scale (pixels) and smoothing sigma (pixels).
        public var elasticProbability: Double = 0
        public var elasticAlpha: Double = 34
        public var elasticSigma: Double = 4
        /// Gaussian blur: probability and sigma range (pixels of the view).
        public var blurProbability: Double = 0
        public var blurSigmaMin: Double = 0.1
        public var blurSigmaMax: Double = 2.0
        public init() {}
        enum CodingKeys: String, CodingKey {
            case flips, rotate90, intensityJitter = "intensity_jitter", intensityShift = "intensity_shift", contrastJitter = "contrast_jitter",
                 channelDrop = "channel_drop", cropScaleMin = "crop_scale_min", cropScaleMax = "crop_scale_max",
                 cropRatioMin = "crop_ratio_min", cropRatioMax = "crop_ratio_max",
                 elasticProbability = "elastic_probability", elasticAlpha = "elastic_alpha", elasticSigma = "elastic_sigma",
                 blurProbability = "blur_probability", blurSigmaMin = "blur_sigma_min", blurSigmaMax = "blur_sigma_max"
        }

        func validate(_ fail: (String, String) -> ConfigError) throws {
            func probability(_ key: String, _ p: Double) throws {
                guard p >= 0, p <= 1 else { throw fail("augmentation.\(key)", "\(p); expected a probability in [0, 1]") }
            }
            try probability("channel_drop", channelDrop)
            try probability("elastic_probability", elasticProbability)
            try probability("blur_probability", blurProbability)
            guard intensityJitter >= 0 else { throw fail("augmentation.intensity_jitter", "\(intensityJitter); expected >= 0") }
            guard intensityShift >= 0 else { throw fail("augmentation.intensity_shift", "\(intensityShift); expected >= 0") }
            guard contrastJitter >= 0 else { throw fail("augmentation.contrast_jitter", "\(contrastJitter); expected >= 0") }
            guard cropScaleMin > 0, cropScaleMin <= cropScaleMax, cropScaleMax <= 1 else {
                throw fail("augmentation.crop_scale_min", "[\(cropScaleMin), \(cropScaleMax)]; expected 0 < min <= max <= 1")
            }
            guard cropRatioMin > 0, cropRatioMin <= cropRatioMax else {
                throw fail("augmentation.crop_ratio_min", "[\(cropRatioMin), \(cropRatioMax)]; expected 0 < min <= max")
            }
            guard elasticAlpha >= 0, elasticSigma > 0 else {
                throw fail("augmentation.elastic_sigma", "alpha \(elasticAlpha), sigma \(elasticSigma); expected alpha >= 0, sigma > 0")
            }
            guard blurSigmaMin > 0, blurSigmaMin <= blurSigmaMax else {
                throw fail("augmentation.blur_sigma_min", "[\(blurSigmaMin), \(blurSigmaMax)]; expected 0 < min <= max")
            }
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, runsDir = "runs_dir", crops, method, arch, patchSize = "patch_size", imageSize = "image_size",
             batchSize = "batch_size", epochs, cellsPerEpoch = "cells_per_epoch", optimizer, lr, minLr = "min_lr", warmupEpochs = "warmup_epochs",
             weightDecay = "weight_decay", weightDecayEnd = "weight_decay_end", momentum, clipGrad = "clip_grad",
             labelColumn = "label_column", balanced, validationFraction = "validation_fraction", splitBy = "split_by",
             earlyStoppingPatience = "early_stopping_patience", labelSmoothing = "label_smoothing", temperature,
             projectionDims = "projection_dims", outDim = "out_dim", headHiddenDim = "head_hidden_dim",
             headBottleneckDim = "head_bottleneck_dim", teacherTemp = "teacher_temp",
             warmupTeacherTemp = "warmup_teacher_temp", warmupTeacherTempEpochs = "warmup_teacher_temp_epochs",
             studentTemp = "student_temp", momentumTeacher = "momentum_teacher", centerMomentum = "center_momentum",
             freezeLastLayer = "freeze_last_layer", globalCropsScale = "global_crops_scale",
             localCropsNumber = "local_crops_number", localCropsScale = "local_crops_scale",
             localCropSize = "local_crop_size", augmentation, evalEvery = "eval_every",
             checkpointEvery = "checkpoint_every", seed, threads, loaderThreads = "loader_threads", prefetchBatches = "prefetch_batches",
             heldOutCompound = "held_out_compound", initFrom = "init_from", budget
    }

    /// A config error: one line naming the file and key.
    public typealias ConfigError = StrictYAML.ConfigError

    /// Parses YAML text with the project's strict loader (`StrictYAML`), then checks values.
    public static func parse(_ text: String, file: String) throws -> TrainConfig {
        let config = try StrictYAML.decode(TrainConfig.self, from: text, defaults: TrainConfig(), file: file)
        try config.validate(file: file)
        return config
    }

    public static func load(_ url: URL) throws -> TrainConfig {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ConfigError(description: "\(url.path): cannot read file")
        }
        return try parse(text, file: url.path)
    }

    /// The resolved config (every key) as YAML.
    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    func validate(file: String) throws {
        func fail(_ key: String, _ what: String) -> ConfigError { ConfigError(description: "\(file): \(key): \(what)") }
        // The run folder is <runs_dir>/<name>: '.' or '..' would write outside runs_dir.
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw fail("name", "'\(name)' must be a non-empty folder name (not '.' or '..')")
        }
        guard ModelFactory.architectures.contains(arch) else {
            throw fail("arch", "unknown '\(arch)'; expected \(ModelFactory.architectures.joined(separator: ", "))")
        }
        guard ["sgd", "adamw", "lars"].contains(optimizer) else { throw fail("optimizer", "'\(optimizer)'; expected sgd, adamw or lars") }
        guard batchSize >= 2 else { throw fail("batch_size", "\(batchSize); expected at least 2") }
        guard cellsPerEpoch >= 0 else { throw fail("cells_per_epoch", "\(cellsPerEpoch); expected >= 0") }
        guard epochs >= 1 else { throw fail("epochs", "\(epochs); expected at least 1") }
        guard lr > 0, lr.isFinite else { throw fail("lr", "\(lr); expected a positive number") }
        guard validationFraction >= 0, validationFraction < 1 else { throw fail("validation_fraction", "\(validationFraction); expected 0 <= f < 1") }
        guard warmupEpochs >= 0, Double(epochs) >= warmupEpochs else { throw fail("warmup_epochs", "\(warmupEpochs); expected 0...epochs") }
        guard temperature > 0 else { throw fail("temperature", "expected > 0") }
        guard projectionDims.count >= 1, projectionDims.allSatisfy({ $0 > 0 }) else { throw fail("projection_dims", "expected positive widths") }
        guard globalCropsScale.count == 2, localCropsScale.count == 2 else { throw fail("global_crops_scale", "expected [min, max]") }
        guard checkpointEvery >= 1 else { throw fail("checkpoint_every", "expected at least 1") }
        guard seed >= 0 else { throw fail("seed", "\(seed); expected a non-negative integer") }
        guard localCropsNumber >= 0 else { throw fail("local_crops_number", "expected >= 0") }
        guard loaderThreads >= 1 else { throw fail("loader_threads", "\(loaderThreads); expected at least 1") }
        guard prefetchBatches >= 0 else { throw fail("prefetch_batches", "\(prefetchBatches); expected >= 0") }
        for (key, range) in [("global_crops_scale", globalCropsScale), ("local_crops_scale", localCropsScale)] {
            guard range[0] > 0, range[0] <= range[1], range[1] <= 1 else { throw fail(key, "\(range); expected 0 < min <= max <= 1") }
        }
        for (key, limit) in [("budget.cpu_seconds", budget.cpuSeconds), ("budget.wall_seconds", budget.wallSeconds)] {
            guard limit >= 0, limit.isFinite else { throw fail(key, "\(limit); expected seconds >= 0 (0 = no limit)") }
        }
        try augmentation.validate(fail)
    }
}
