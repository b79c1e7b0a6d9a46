import Core
import Foundation
import NeuralNet
import Tensor

/// Supervised classification of any label column (`label_column`: MoA, compound, cell
/// line...): backbone + Linear head, cross-entropy with label smoothing, one view per cell,
/// class-balanced sampling with `balanced`. After training it classifies the held-out
/// validation cells (the split of `split_by`) and writes `confusion_matrix.csv` and
/// `per_class_accuracy.csv` (`ClassificationReport`), returning accuracy and balanced
/// accuracy for the run's metrics.
final class SupervisedObjective: TrainingObjective {
    static let needsLabels = true
    let context: ObjectiveContext
    let head: Linear
    let classIndex: [String: Int]

    init(_ context: ObjectiveContext) throws {
        guard context.classes.count >= 2 else {
            throw Trainer.TrainError(description: "label_column '\(context.config.labelColumn)': need at least 2 classes, found \(context.classes.count)")
        }
        self.context = context
        var r = SeededRandom(seed: SeededRandom.derive(context.seed, 1))
        head = Linear(context.backbone.dim, context.classes.count, rng: &r)
        classIndex = Dictionary(uniqueKeysWithValues: context.classes.enumerated().map { ($1, $0) })
    }

    var views: [ViewSpec] {
        let a = context.config.augmentation
        return [ViewSpec(size: context.inputSize, scale: (a.cropScaleMin, a.cropScaleMax))]
    }
    var headParameters: [(String, Tensor)] { head.namedParameters(prefix: "head.") }
    var classifier: Linear? { head }
    var state: [(String, Tensor)] { head.stateDict().map { ("head.\($0.0)", $0.1) } }
    func load(_ weights: [String: Tensor], source: String) throws { try head.load(tensors(weights, under: "head."), source: source) }
    func train(_ on: Bool) { head.train(on) }

    /// With `balanced`: inverse class frequency, so each class is drawn equally often.
    func samplingWeights(_ cells: [Int]) -> [Double]? {
        guard context.config.balanced else { return nil }
        var counts: [String: Int] = [:]
        for i in cells { counts[context.data.labels[i], default: 0] += 1 }
        return cells.map { 1.0 / Double(counts[context.data.labels[$0], default: 1]) }
    }

    func loss(views: [Tensor], cells: [Int], epoch: Int) throws -> Tensor {
        // Unweighted: with `balanced: true` the sampler already evens the classes.
        let targets = try cells.map { cell in
            guard let k = classIndex[context.data.labels[cell]] else {
                throw Trainer.TrainError(description: "cell \(cell): label '\(context.data.labels[cell])' is not one of the \(classIndex.count) classes")
            }
            return k
        }
        return crossEntropy(head(context.backbone.features(views[0])), targets: targets,
                            labelSmoothing: Float(context.config.labelSmoothing))
    }

    func finish(validation: [Int], runDirectory: URL) throws -> [(String, Double)] {
        let cells = validation.filter { classIndex[context.data.labels[$0]] != nil }
        guard !cells.isEmpty else { return [] }
        let report = ClassificationReport(classes: context.classes,
                                          truth: cells.compactMap { classIndex[context.data.labels[$0]] },
                                          predicted: predict(cells))
        try report.write(to: runDirectory)
        return [("validation_accuracy", report.accuracy), ("validation_balanced_accuracy", report.balancedAccuracy)]
    }

    /// The classifier's class for each cell (centre view, eval mode).
    func predict(_ cells: [Int]) -> [Int] {
        let backbone = context.backbone, data = context.data, size = context.inputSize, k = context.classes.count
        backbone.train(false); head.train(false)
        defer { backbone.train(true); head.train(true) }
        var out: [Int] = []
        for chunk in stride(from: 0, to: cells.count, by: 64) {
            let part = Array(cells[chunk..<min(cells.count, chunk + 64)])
            let flat = part.flatMap { CellAugmentation.center(data.crop($0), channels: data.channels, size: data.size, outSize: size) }
            let logits = withNoGrad { head(backbone.features(Tensor(shape: [part.count, data.channels, size, size], flat))) }.toArray()
            for i in 0..<part.count {
                // First maximum, as numpy's argmax.
                var best = 0
                for j in 1..<k where logits[i * k + j] > logits[i * k + best] { best = j }
                out.append(best)
            }
        }
        return out
    }
}
