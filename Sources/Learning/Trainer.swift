import Core
import Foundation
import NeuralNet
import Tensor

/// Trains a backbone on a crop store and writes a run folder. The method is a
/// `TrainingObjective` (`SupervisedObjective`, `SimCLRObjective`, `DINOObjective`) that owns
/// its heads, views, loss and teacher; this loop is the same for all of them.
///
/// Cells are split into training and validation by group (`split_by`: by compound by
/// default, or by well, plate or any metadata columns): a group's cells are all on one side.
/// Validation kNN accuracy of the label column is logged per evaluation and drives early
/// stopping and `best.safetensors`.
///
/// Per step: cosine learning rate with warmup, cosine weight decay, global gradient clipping.
/// Every random choice derives from (seed, epoch, step, position in the global batch), so
/// a resumed run and an uninterrupted one take the same steps. Data parallel: each rank of
/// an MPI world takes the positions rank, rank+N, ... of every global batch, gradients are
/// averaged before the optimizer step and parameters broadcast from rank 0 at start;
/// BatchNorm uses per-rank batch statistics, as PyTorch DDP does without SyncBatchNorm.
/// Only rank 0 writes files.
public final class Trainer {
    public let config: TrainConfig
    public let data: CropDataset
    public let communicator: Communicator
    public let runDirectory: URL
    /// Called after every step on rank 0 (epoch, step in epoch, steps per epoch, loss, cells/s).
    public var progress: ((Int, Int, Int, Double, Double) -> Void)?
    /// After `run`: whether the loop ended at `config.budget` before its last epoch, and the
    /// CPU seconds (all threads, this rank) the loop spent.
    public private(set) var stoppedForBudget = false
    public private(set) var cpuSeconds = 0.0

    let backbone: Backbone
    let objective: any TrainingObjective
    /// The objective's views, read by the loader thread.
    let viewSpecs: [ViewSpec]
    let classes: [String]
    let trainIndices: [Int]
    let validationIndices: [Int]
    let inputSize: Int

    public struct TrainError: Error, CustomStringConvertible { public let description: String }

    public init(config: TrainConfig, data: CropDataset, runDirectory: URL, communicator: Communicator = .single) throws {
        self.config = config
        self.data = data
        self.communicator = communicator
        self.runDirectory = runDirectory
        inputSize = config.imageSize > 0 ? config.imageSize : data.size
        let seed = UInt64(config.seed)
        let backbone = try ModelFactory.makeBackbone(config.arch, channels: data.channels, size: inputSize,
                                                     patch: config.patchSize, seed: seed)
        self.backbone = backbone
        if !config.initFrom.isEmpty {
            // Before the objective is built, so that a teacher starts as a copy of these weights.
            let url = try Self.weightsURL(config.initFrom)
            do {
                initNotes = try CheckpointImport.load(url, into: backbone)
            } catch let e as CheckpointImport.ImportError {
                throw TrainError(description: "init_from: \(e.description)")
            }
        } else {
            initNotes = []
        }
        // Split by group: a group's cells are all train or all validation.
        let groups = try data.groups(by: config.splitBy)
        let eligible = (0..<data.count).filter { data.compounds[$0] != config.heldOutCompound || config.heldOutCompound.isEmpty }
        if !config.heldOutCompound.isEmpty, eligible.count == data.count {
            throw TrainError(description: "held_out_compound: '\(config.heldOutCompound)' is not a compound of \(data.store.cells.source)")
        }
        let groupNames = Array(Set(eligible.map { groups[$0] })).sorted()
        var rng = SeededRandom(seed: SeededRandom.derive(seed, 17))
        var shuffled = groupNames
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let nVal = Int((Double(groupNames.count) * config.validationFraction).rounded())
        let valGroups = Set(shuffled.prefix(nVal))
        var train = eligible.filter { !valGroups.contains(groups[$0]) }
        let val = eligible.filter { valGroups.contains(groups[$0]) }
        let objectiveType = config.method.objectiveType
        if objectiveType.needsLabels { train = train.filter { !data.labels[$0].isEmpty } }
        classes = Array(Set(eligible.map { data.labels[$0] }.filter { !$0.isEmpty })).sorted()
        guard train.count >= config.batchSize else {
            throw TrainError(description: "\(data.store.directory.path): \(train.count) training cells, fewer than batch_size \(config.batchSize)")
        }
        guard config.batchSize % communicator.size == 0 else {
            throw TrainError(description: "batch_size \(config.batchSize) is not divisible by the \(communicator.size) processes")
        }
        trainIndices = train
        validationIndices = val
        objective = try objectiveType.init(ObjectiveContext(config: config, data: data, backbone: backbone, inputSize: inputSize,
                                                            classes: classes, communicator: communicator))
        viewSpecs = objective.views
    }

    /// What `init_from` changed to fit its checkpoint (casts, dropped heads, resampled
    /// position embedding, adapted first layer), one line each; the train verb prints them.
    public let initNotes: [String]

    /// A run folder (its `best.safetensors`, else the last checkpoint) or a .safetensors file.
    public static func weightsURL(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw TrainError(description: "\(path): no such file or run folder")
        }
        if !isDir.boolValue { return url }
        for name in ["backbone.safetensors", "best.safetensors"] {
            let u = url.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: u.path) { return u }
        }
        if let state = try? Checkpoint.read(url) {
            return url.appendingPathComponent(state.weights)
        }
        throw TrainError(description: "\(path): run folder has no backbone.safetensors, best.safetensors or checkpoint.json")
    }

    /// The backbone that validation and the exported weights use: DINO's teacher (the EMA of
    /// the student, which DINO and Dino4Cells evaluate and release), else the trained backbone.
    var exportedBackbone: Backbone { objective.exportedBackbone ?? backbone }

    /// What best/backbone.safetensors hold: the exported backbone under torchvision's / timm's
    /// names, plus, for a supervised ResNet or ViT, its classifier as `fc` / `head`, so the
    /// file loads strictly into `torchvision.models.resnet18(num_classes=K)` or
    /// `timm.create_model(..., num_classes=K)`; without a classifier, into the
    /// `num_classes=0` constructors.
    var exportedState: [(String, Tensor)] {
        let state = exportedBackbone.stateDict()
        guard let classifier = objective.classifier, config.arch != "cnn4" else { return state }
        return state + classifier.namedParameters(prefix: config.arch.hasPrefix("vit") ? "head." : "fc.")
    }

    // MARK: - parameters and optimizer

    /// Trainable parameters in a fixed order (backbone, then heads), with their names.
    var trainable: [(String, Tensor)] {
        backbone.trainableNamedParameters.map { ("backbone.\($0.0)", $0.1) } + objective.headParameters
    }

    /// Every tensor a checkpoint holds as model weights.
    var modelState: [(String, Tensor)] {
        backbone.stateDict().map { ("backbone.\($0.0)", $0.1) } + objective.state
    }

    func makeOptimizer() -> any Optimizer {
        let params = trainable
        let noDecay = Set(params.filter { $0.0.hasSuffix("bias") || $0.1.rank == 1 }.map { ObjectIdentifier($0.1) })
        let p = params.map(\.1), lr = Float(config.lr), wd = Float(config.weightDecay), m = Float(config.momentum)
        switch config.optimizer {
        case "sgd": return SGD(parameters: p, learningRate: lr, momentum: m, weightDecay: wd, noDecay: noDecay)
        case "lars": return LARS(parameters: p, learningRate: lr, momentum: m, weightDecay: wd, noDecay: noDecay)
        default: return AdamW(parameters: p, learningRate: lr, weightDecay: wd, noDecay: noDecay)
        }
    }

    // MARK: - sampling

    var cellsPerEpoch: Int { config.cellsPerEpoch > 0 ? min(config.cellsPerEpoch, trainIndices.count) : trainIndices.count }
    var stepsPerEpoch: Int { cellsPerEpoch / config.batchSize }

    /// The epoch's cell order: a seeded permutation, or when the objective weights cells
    /// (supervised with `balanced`) a seeded draw with replacement by those weights.
    func order(epoch: Int) -> [Int] {
        var rng = SeededRandom(seed: SeededRandom.derive(UInt64(config.seed), 5, epoch))
        if let weights = objective.samplingWeights(trainIndices) {
            var cumulative = [Double](); var total = 0.0
            for w in weights { total += w; cumulative.append(total) }
            return (0..<cellsPerEpoch).map { _ in
                let u = rng.uniformDouble() * total
                var lo = 0, hi = cumulative.count - 1
                while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
                return trainIndices[lo]
            }
        }
        var o = trainIndices
        for i in stride(from: o.count - 1, to: 0, by: -1) { o.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return Array(o.prefix(cellsPerEpoch))
    }

    /// One step's input on this rank: its cells and per view kind a [b, C, H, W] array.
    struct StepBatch {
        var cells: [Int]
        var views: [(shape: [Int], values: [Float])]
    }

    /// This rank's batch of global batch `step` of an epoch with cell order `order`. Reads
    /// only immutable state, so it may run on the loader's thread.
    func batch(order: [Int], epoch: Int, step: Int) -> StepBatch {
        let positions = Array(stride(from: communicator.rank, to: config.batchSize, by: communicator.size))
        let cells = positions.map { order[step * config.batchSize + $0] }
        return StepBatch(cells: cells, views: views(cells: cells, epoch: epoch, step: step, positions: positions))
    }

    /// The views of `cells` (at `positions` of global batch `step`) for the objective.
    func views(cells: [Int], epoch: Int, step: Int, positions: [Int]) -> [(shape: [Int], values: [Float])] {
        let maker = CellAugmentation(config.augmentation, intensityOffsets: zip(data.mean, data.std).map { Float($0 / $1) })
        let c = data.channels, s = data.size
        let specs = viewSpecs.map { ($0.size, $0.scale) }
        let threads = max(1, config.loaderThreads)
        return specs.enumerated().map { v, spec in
            let n = c * spec.0 * spec.0
            var flat = [Float](repeating: 0, count: cells.count * n)
            // Each view depends only on its own seed, so loader threads change speed, not values.
            flat.withUnsafeMutableBufferPointer { out in
                let buffer = out
                DispatchQueue.concurrentPerform(iterations: threads) { worker in
                    for j in stride(from: worker, to: cells.count, by: threads) {
                        var rng = SeededRandom(seed: SeededRandom.derive(UInt64(config.seed), 6, epoch, step, positions[j], v))
                        let view = maker.view(data.crop(cells[j]), channels: c, size: s, outSize: spec.0, scale: spec.1, rng: &rng)
                        for k in 0..<n { buffer[j * n + k] = view[k] }
                    }
                }
            }
            return (shape: [cells.count, c, spec.0, spec.0], values: flat)
        }
    }

    // MARK: - training

    /// Trains from scratch, or with `resume` from the run folder's last checkpoint; returns
    /// the run folder. Writes metrics, checkpoints, `best.safetensors`, `backbone.safetensors`.
    /// `stopAfter`: end after that many epochs of the schedule (an interruption, for tests).
    @discardableResult
    public func run(resume: Bool = false, stopAfter: Int? = nil) throws -> URL {
        let writer = communicator.isRoot
        var startEpoch = 0, bestAccuracy = -1.0, sinceBest = 0
        let optimizer = makeOptimizer()
        if resume {
            guard let state = try? Checkpoint.read(runDirectory) else {
                throw TrainError(description: "\(runDirectory.path): --resume but no checkpoint.json")
            }
            let weights = try SafeTensors.read(runDirectory.appendingPathComponent(state.weights))
            try load(weights: weights, source: state.weights)
            try optimizer.loadState(try SafeTensors.read(runDirectory.appendingPathComponent(state.optimizer)))
            startEpoch = state.epoch + 1
            bestAccuracy = state.bestAccuracy
            sinceBest = state.evaluationsSinceBest
        }
        try GradientReducer.broadcast(modelState.map(\.1), communicator: communicator)
        let reducer = GradientReducer(parameters: optimizer.parameters, communicator: communicator)
        let tracker = try RunTracker(directory: runDirectory, configYAML: try config.yaml(), isWriter: writer, resume: resume)

        let steps = stepsPerEpoch, total = steps * config.epochs
        let lrSchedule = CosineSchedule(base: Float(config.lr), final: Float(config.minLr), totalSteps: total,
                                        warmupSteps: min(total, Int(config.warmupEpochs * Double(steps))))
        let wdSchedule = CosineSchedule(base: Float(config.weightDecay), final: Float(config.weightDecayEnd), totalSteps: total, warmupSteps: 0)
        var lastEpoch = startEpoch - 1
        let cpuStart = ProcessCPUTime.seconds(), wallStart = Date()
        stoppedForBudget = false
        var globalSteps = startEpoch * steps

        for epoch in startEpoch..<config.epochs {
            lastEpoch = epoch
            let order = order(epoch: epoch)
            backbone.train(true); objective.train(true)
            var lossSum = 0.0, stepsDone = 0
            let t0 = Date()
            let loader = BatchLoader(count: steps, prefetch: config.prefetchBatches) { [self] step in
                batch(order: order, epoch: epoch, step: step)
            }
            defer { loader.cancel() }
            for step in 0..<steps {
                let global = step + epoch * steps
                optimizer.learningRate = lrSchedule.value(at: global)
                optimizer.weightDecay = wdSchedule.value(at: global)
                let prepared = loader.next()!
                let cells = prepared.cells
                let views = prepared.views.map { Tensor(shape: $0.shape, $0.values) }
                // As PyTorch DDP (broadcast_buffers=True): rank 0's BatchNorm running statistics
                // go to every rank before each forward; batch statistics stay per rank.
                if communicator.size > 1 { try GradientReducer.broadcast(backbone.namedBuffers().map(\.1), communicator: communicator) }
                for (_, p) in trainable { p.grad = nil }
                let loss = try objective.loss(views: views, cells: cells, epoch: epoch)
                loss.backward()
                try reducer.averageGradients()
                if config.clipGrad > 0 { _ = clipGradientNorm(optimizer.parameters, maxNorm: Float(config.clipGrad)) }
                objective.beforeOptimizerStep(epoch: epoch)
                optimizer.step()
                objective.afterOptimizerStep(step: global, totalSteps: total)
                // The budget flag rides on the loss's allreduce, so every rank stops after the same step.
                let overBudget = config.budget.reached(cpu: ProcessCPUTime.seconds() - cpuStart, wall: Date().timeIntervalSince(wallStart))
                var value = [loss.item, overBudget ? 1 : 0]
                try communicator.allreduceSum(&value)
                let meanLoss = Double(value[0]) / Double(communicator.size)
                guard meanLoss.isFinite else { throw TrainError(description: "epoch \(epoch) step \(step): loss is \(meanLoss); lower lr") }
                lossSum += meanLoss
                stepsDone += 1
                try tracker.log(step: global + 1, epoch: epoch, [("loss", meanLoss), ("lr", Double(optimizer.learningRate))])
                if writer { progress?(epoch, step, steps, meanLoss, Double((step + 1) * config.batchSize) / Date().timeIntervalSince(t0)) }
                if value[1] > 0, step + 1 < steps || epoch + 1 < config.epochs { stoppedForBudget = true; break }
            }
            let last = epoch + 1 == config.epochs || stoppedForBudget
            cpuSeconds = ProcessCPUTime.seconds() - cpuStart
            var scalars: [(String, Double)] = [("epoch_loss", lossSum / Double(max(stepsDone, 1))),
                                               ("cells_per_s", Double(stepsDone * config.batchSize) / Date().timeIntervalSince(t0)),
                                               ("cpu_seconds", cpuSeconds)]
            if stoppedForBudget { scalars.append(("stopped_for_budget", 1)) }
            var improved = false
            if config.evalEvery > 0, (epoch + 1) % config.evalEvery == 0 || last, !validationIndices.isEmpty {
                let acc = try knnAccuracy()
                scalars.append(("knn_accuracy", acc))
                if acc > bestAccuracy { bestAccuracy = acc; sinceBest = 0; improved = true } else { sinceBest += 1 }
            }
            globalSteps = epoch * steps + stepsDone
            try tracker.log(step: globalSteps, epoch: epoch, scalars)
            if writer {
                if improved || (bestAccuracy < 0 && last) {
                    try SafeTensors.write(exportedState, to: runDirectory.appendingPathComponent("best.safetensors"))
                }
                if (epoch + 1) % config.checkpointEvery == 0 || last {
                    try saveCheckpoint(epoch: epoch, step: globalSteps, optimizer: optimizer,
                                       bestAccuracy: bestAccuracy, sinceBest: sinceBest)
                }
            }
            if stoppedForBudget { break }
            if config.earlyStoppingPatience > 0, sinceBest >= config.earlyStoppingPatience { break }
            if let stopAfter, epoch + 1 >= stopAfter { return runDirectory }
        }
        if writer {
            try SafeTensors.write(exportedState, to: runDirectory.appendingPathComponent("backbone.safetensors"))
            try modelInfo.write(to: runDirectory.appendingPathComponent("model.json"))
            let results = try objective.finish(validation: validationIndices, runDirectory: runDirectory)
            if !results.isEmpty { try tracker.log(step: globalSteps, epoch: lastEpoch, results) }
        }
        return runDirectory
    }

    func load(weights: [String: Tensor], source: String) throws {
        try backbone.load(tensors(weights, under: "backbone."), source: source)
        try objective.load(weights, source: source)
    }

    func saveCheckpoint(epoch: Int, step: Int, optimizer: any Optimizer, bestAccuracy: Double, sinceBest: Int) throws {
        let weights = String(format: "checkpoint-epoch%03d.safetensors", epoch + 1)
        let opt = String(format: "optimizer-epoch%03d.safetensors", epoch + 1)
        try SafeTensors.write(modelState, to: runDirectory.appendingPathComponent(weights))
        try SafeTensors.write(optimizer.namedState(), to: runDirectory.appendingPathComponent(opt))
        let state = Checkpoint(config: config, epoch: epoch, step: step, weights: weights, optimizer: opt,
                               bestAccuracy: bestAccuracy, evaluationsSinceBest: sinceBest,
                               stoppedForBudget: stoppedForBudget, cpuSeconds: cpuSeconds)
        try state.write(runDirectory)
    }

    /// `model.json`: the architecture and the training store's standardization (`BackboneInfo`).
    var modelInfo: BackboneInfo {
        BackboneInfo(arch: config.arch, channels: data.channels, imageSize: inputSize, patchSize: config.patchSize,
                     dim: backbone.dim, method: config.method.rawValue, channelNames: data.store.header.channels,
                     channelMean: data.mean, channelStd: data.std)
    }

    // MARK: - evaluation

    /// Features of `cells` from the exported backbone (centre view, eval mode), [n, dim].
    public func features(_ cells: [Int]) -> [[Float]] {
        let backbone = exportedBackbone
        backbone.train(false)
        defer { backbone.train(true) }
        var out: [[Float]] = []
        for chunk in stride(from: 0, to: cells.count, by: 64) {
            let part = Array(cells[chunk..<min(cells.count, chunk + 64)])
            let flat = part.flatMap { CellAugmentation.center(data.crop($0), channels: data.channels, size: data.size, outSize: inputSize) }
            let f = withNoGrad { backbone.features(Tensor(shape: [part.count, data.channels, inputSize, inputSize], flat)) }.toArray()
            let d = backbone.dim
            for i in 0..<part.count { out.append(Array(f[(i * d)..<((i + 1) * d)])) }
        }
        return out
    }

    /// 1-NN (cosine) accuracy of validation cells' labels against training cells (≤ 2000 of
    /// each, evenly spaced through the store: cells come plate by plate and well by well, so
    /// a prefix would hold only the first wells' compounds and labels).
    func knnAccuracy() throws -> Double {
        func spread(_ cells: [Int]) -> [Int] {
            let labelled = cells.filter { !data.labels[$0].isEmpty }
            let step = max(1, (labelled.count + 1999) / 2000)
            return Array(stride(from: 0, to: labelled.count, by: step).map { labelled[$0] })
        }
        let train = spread(trainIndices), val = spread(validationIndices)
        guard !train.isEmpty, !val.isEmpty else { return .nan }
        return Double(zip(val, nearest(val, in: train)).filter { data.labels[$0] == data.labels[$1] }.count) / Double(val.count)
    }

    func nearest(_ queries: [Int], in reference: [Int]) -> [Int] {
        func unit(_ v: [Float]) -> [Float] { let n = max(1e-12, v.reduce(0) { $0 + $1 * $1 }.squareRoot()); return v.map { $0 / n } }
        let r = features(reference).map(unit), q = features(queries).map(unit)
        return q.map { qv in
            var best = 0; var bestSim = -Float.infinity
            for (j, rv) in r.enumerated() {
                var s: Float = 0
                for k in 0..<qv.count { s += qv[k] * rv[k] }
                if s > bestSim { bestSim = s; best = j }
            }
            return reference[best]
        }
    }
}
