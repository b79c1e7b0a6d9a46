import Foundation
import Imaging
import NeuralNet
import Core
import Tensor

/// Trains the nucleus segmentation U-Net (`NucleusMaps` targets: foreground and normalized
/// interior distance, binary cross-entropy on both) on annotated images and writes a run
/// folder: the resolved config, `split.csv` (every image's id, kind and split), metrics.jsonl
/// and TensorBoard events (`RunTracker`), resumable checkpoints every `checkpoint_every`
/// steps, `best.safetensors` (lowest validation loss on fixed unaugmented patches of the
/// held-out images), and at the end `model.safetensors` + `model.json` (`NucleusModelInfo`),
/// the files `phenoscope segment --method model --model RUN` and the shipped model use.
///
/// AdamW with a warmup + cosine learning rate per step; every patch derives from (seed, step,
/// position), so a resumed run takes the same steps as an uninterrupted one.
public final class SegmenterTrainer {
    public let config: SegmenterConfig
    public let runDirectory: URL
    /// Called after every step (step, total steps, loss, patches/s).
    public var progress: ((Int, Int, Double, Double) -> Void)?
    /// Called with one-line status messages (data loading, evaluations).
    public var log: ((String) -> Void)?
    /// Stop after this step with a checkpoint, exporting nothing (an interruption that
    /// `--resume` continues from, as after a killed process).
    public var stopAtStep: Int?

    public struct TrainError: Error, CustomStringConvertible { public let description: String }

    /// The loop state saved in `checkpoint.json`.
    struct State: Codable {
        var step: Int
        var weights: String
        var optimizer: String
        var bestValidationLoss: Double
        var bestStep: Int
        var seconds: Double
        enum CodingKeys: String, CodingKey {
            case step, weights, optimizer, bestValidationLoss = "best_validation_loss", bestStep = "best_step", seconds
        }
    }

    public init(config: SegmenterConfig, runDirectory: URL) {
        self.config = config
        self.runDirectory = runDirectory
    }

    /// Trains (or continues with `resume`) and returns the model description written, or nil
    /// when `stopAtStep` ended the run first.
    @discardableResult
    public func run(data dataURL: URL, extraData: [URL] = [], validationIDsURL: URL?, resume: Bool) throws -> NucleusModelInfo? {
        let fm = FileManager.default
        let stateURL = runDirectory.appendingPathComponent("checkpoint.json")
        if !resume, fm.fileExists(atPath: stateURL.path) {
            throw TrainError(description: "\(runDirectory.path) already holds a segmenter run; use --resume or another --name")
        }
        if config.threads > 0 { Threads.setCount(config.threads) }
        log?("reading \(dataURL.path)")
        let all = try AnnotatedNuclei.loadAny(dataURL)
        let validation: Set<String>
        if let validationIDsURL {
            guard let text = try? String(contentsOf: validationIDsURL, encoding: .utf8) else {
                throw TrainError(description: "\(validationIDsURL.path): cannot read validation ids")
            }
            validation = Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        } else {
            validation = all.validationIDs(fraction: config.validationFraction, seed: UInt64(config.seed))
        }
        let kinds = Set(config.kinds)
        let chosen = all.items.filter { kinds.contains($0.kind) }
        var train = chosen.filter { !validation.contains($0.id) }
        let val = chosen.filter { validation.contains($0.id) }
        // Ids name images in split.csv and validation_ids, so they must stay unique across folders.
        var seen = Set(all.items.map(\.id))
        var extras: [AnnotatedNuclei.Item] = []
        for url in extraData {
            log?("reading \(url.path)")
            for item in try AnnotatedNuclei.loadAny(url).items {
                guard seen.insert(item.id).inserted else {
                    throw TrainError(description: "\(url.path): image id '\(item.id)' is also in another data folder; ids must be unique")
                }
                extras.append(item)
            }
        }
        train += extras.filter { kinds.contains($0.kind) }
        guard !train.isEmpty else { throw TrainError(description: "\(dataURL.path): no training images of kinds \(config.kinds.map(\.rawValue))") }
        log?("\(all.items.count) images; training on \(train.count), validating on \(val.count) (\(config.kinds.map(\.rawValue).joined(separator: ", ")))")

        let tracker = try RunTracker(directory: runDirectory, configYAML: try config.yaml(), resume: resume)
        var split = "id,kind,split\n"
        for item in all.items {
            split += "\(item.id),\(item.kind.rawValue),\(validation.contains(item.id) ? "validation" : kinds.contains(item.kind) ? "train" : "unused")\n"
        }
        for item in extras { split += "\(item.id),\(item.kind.rawValue),\(kinds.contains(item.kind) ? "train" : "unused")\n" }
        try AtomicFile.write(split, to: runDirectory.appendingPathComponent("split.csv"))

        let normalize = config.normalization
        let sampler = NucleusPatchSampler(images: train.map { normalize($0.image) }, labels: train.map(\.labels),
                                          patchSize: config.patchSize, augmentation: config.augmentation)
        let validationBatches: [(Tensor, Tensor)] = val.isEmpty || config.validationPatches == 0 ? [] : {
            let s = NucleusPatchSampler(images: val.map { normalize($0.image) }, labels: val.map(\.labels),
                                        patchSize: config.patchSize, augmentation: config.augmentation)
            return stride(from: 0, to: config.validationPatches, by: config.batchSize).map { start in
                let (x, t) = s.batch(size: min(config.batchSize, config.validationPatches - start),
                                     seed: SeededRandom.derive(UInt64(config.seed), 99), step: start, augment: false)
                return (x, t)
            }
        }()

        let unet = UNet(config: config.unet, seed: UInt64(config.seed))
        if !config.initFrom.isEmpty {
            let url = try Self.weightsURL(config.initFrom)
            try unet.load(try SafeTensors.read(url), source: url.path)
        }
        let optimizer = AdamW(parameters: unet.parameters, learningRate: Float(config.lr), weightDecay: Float(config.weightDecay),
                              noDecay: unet.noDecayParameters)
        var state = State(step: 0, weights: "last.safetensors", optimizer: "optimizer.safetensors",
                          bestValidationLoss: .infinity, bestStep: -1, seconds: 0)
        if resume, fm.fileExists(atPath: stateURL.path) {
            state = try JSONDecoder().decode(State.self, from: try Data(contentsOf: stateURL))
            try unet.load(try SafeTensors.read(runDirectory.appendingPathComponent(state.weights)), source: state.weights)
            try optimizer.loadState(try SafeTensors.read(runDirectory.appendingPathComponent(state.optimizer)))
            if state.bestValidationLoss < 0 { state.bestValidationLoss = .infinity }
            log?("resuming at step \(state.step)")
        }
        let schedule = CosineSchedule(base: Float(config.lr), final: Float(config.minLr), totalSteps: config.steps,
                                      warmupSteps: config.warmupSteps)
        let seed = UInt64(config.seed)
        var clock = Date()
        var windowLoss = 0.0, windowSteps = 0
        func saveCheckpoint() throws {
            state.seconds += Date().timeIntervalSince(clock)
            clock = Date()
            try SafeTensors.write(unet.stateDict(), to: runDirectory.appendingPathComponent(state.weights))
            try SafeTensors.write(optimizer.namedState(), to: runDirectory.appendingPathComponent(state.optimizer))
            var copy = state
            if !copy.bestValidationLoss.isFinite { copy.bestValidationLoss = -1 }
            try AtomicFile.write(try JSONEncoder().encode(copy), to: stateURL)
        }
        while state.step < config.steps {
            let stepStart = Date()
            optimizer.learningRate = schedule.value(at: state.step)
            let (x, targets) = sampler.batch(size: config.batchSize, seed: seed, step: state.step)
            unet.train()
            let loss = BinaryCrossEntropy.withLogits(unet(x), targets: targets)
            unet.zeroGrad()
            loss.backward()
            optimizer.step()
            let lossValue = Double(loss.toArray()[0])
            guard lossValue.isFinite else { throw TrainError(description: "loss is \(lossValue) at step \(state.step); lower lr") }
            state.step += 1
            windowLoss += lossValue
            windowSteps += 1
            let rate = Double(config.batchSize) / max(Date().timeIntervalSince(stepStart), 1e-9)
            progress?(state.step, config.steps, lossValue, rate)
            if state.step % 10 == 0 || state.step == config.steps {
                try tracker.log(step: state.step, epoch: 0, [("loss", windowLoss / Double(windowSteps)),
                                                            ("lr", Double(optimizer.learningRate)), ("patches_per_s", rate)])
                windowLoss = 0; windowSteps = 0
            }
            if !validationBatches.isEmpty, config.evalEvery > 0, state.step % config.evalEvery == 0 || state.step == config.steps {
                let v = validationLoss(unet, validationBatches)
                try tracker.log(step: state.step, epoch: 0, [("validation_loss", v)])
                log?(String(format: "step %d: validation loss %.4f", state.step, v))
                if v < state.bestValidationLoss {
                    state.bestValidationLoss = v
                    state.bestStep = state.step
                    try SafeTensors.write(unet.stateDict(), to: runDirectory.appendingPathComponent("best.safetensors"))
                }
            }
            if state.step % config.checkpointEvery == 0 || state.step == config.steps || state.step == stopAtStep {
                try saveCheckpoint()
            }
            if state.step == stopAtStep { return nil }
        }
        // The exported model: the best validation step's weights when there was a validation.
        let exported = state.bestStep > 0 ? runDirectory.appendingPathComponent("best.safetensors")
                                          : runDirectory.appendingPathComponent(state.weights)
        let modelURL = runDirectory.appendingPathComponent("model.safetensors")
        try AtomicFile.write(try Data(contentsOf: exported), to: modelURL)
        let info = NucleusModelInfo(unet: config.unet, normalization: config.normalization, training: .init(
            data: ([dataURL] + extraData).map(\.lastPathComponent).joined(separator: " + "), kinds: config.kinds, trainImages: train.count, validationImages: val.count,
            steps: config.steps, batchSize: config.batchSize, patchSize: config.patchSize, seconds: state.seconds,
            bestValidationLoss: state.bestValidationLoss.isFinite ? state.bestValidationLoss : -1, bestStep: state.bestStep))
        try info.write(runDirectory.appendingPathComponent("model.json"))
        return info
    }

    /// Mean loss over the fixed validation batches, in evaluation mode, nothing recorded.
    func validationLoss(_ unet: UNet, _ batches: [(Tensor, Tensor)]) -> Double {
        unet.train(false)
        defer { unet.train(true) }
        return withNoGrad {
            var total = 0.0, count = 0
            for (x, t) in batches {
                total += Double(BinaryCrossEntropy.withLogits(unet(x), targets: t).toArray()[0]) * Double(x.shape[0])
                count += x.shape[0]
            }
            return total / Double(max(count, 1))
        }
    }

    /// A segmenter run folder (its `model.safetensors`, else `best.safetensors`) or a .safetensors file.
    public static func weightsURL(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw TrainError(description: "init_from: \(path): no such file or run folder")
        }
        guard isDir.boolValue else { return url }
        for name in ["model.safetensors", "best.safetensors", "last.safetensors"] {
            let u = url.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: u.path) { return u }
        }
        throw TrainError(description: "init_from: \(path): no model.safetensors, best.safetensors or last.safetensors")
    }
}
