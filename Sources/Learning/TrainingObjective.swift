import Foundation
import NeuralNet
import Tensor

/// What one training method adds to the backbone, so that `Trainer`'s loop is the same for
/// every method: the heads (and a teacher) it trains, the views each step takes of a cell,
/// the loss on them, what happens between the gradients and the optimizer step and after
/// the step, which backbone is exported, and the tensors a checkpoint keeps of it.
///
/// Implementations: `SupervisedObjective` (a linear classifier on a label column),
/// `SimCLRObjective` (two views, projection head, NT-Xent), `DINOObjective` (multi-crop
/// self-distillation with an EMA teacher). The Trainer calls, per step: `loss` (after
/// zeroing gradients), backward and the gradient all-reduce and clip, `beforeOptimizerStep`,
/// the optimizer step, `afterOptimizerStep`; `finish` once after the last epoch on rank 0.
protocol TrainingObjective: AnyObject {
    /// Whether training cells need a label (cells with an empty label are left out).
    static var needsLabels: Bool { get }
    /// Builds the heads (and teacher) for `context`'s backbone; seeded from the config.
    init(_ context: ObjectiveContext) throws
    /// The views of one cell per step, in order: output side and random-crop area range.
    var views: [ViewSpec] { get }
    /// Trainable head parameters, named as in checkpoints ("head.…"); they follow the
    /// backbone's in the optimizer.
    var headParameters: [(String, Tensor)] { get }
    /// Every tensor besides the backbone a checkpoint holds (heads, teacher, loss state),
    /// under its checkpoint name.
    var state: [(String, Tensor)] { get }
    /// Restores `state` from a checkpoint's tensors (all of them, backbone included).
    func load(_ weights: [String: Tensor], source: String) throws
    /// The backbone validation and the exported weights use; nil: the trained backbone.
    var exportedBackbone: Backbone? { get }
    /// A classifier exported beside the backbone (as torchvision's `fc` / timm's `head`);
    /// nil for methods whose heads are only for training.
    var classifier: Linear? { get }
    /// Training mode of the heads (the Trainer sets the backbone's).
    func train(_ on: Bool)
    /// Relative sampling weight of each training cell, or nil for a plain permutation.
    func samplingWeights(_ cells: [Int]) -> [Double]?
    /// The step's loss on this rank's `cells`, whose views are `views` ([b, C, H, W] each,
    /// in `self.views` order).
    func loss(views: [Tensor], cells: [Int], epoch: Int) throws -> Tensor
    /// After gradients are averaged and clipped, before the optimizer step.
    func beforeOptimizerStep(epoch: Int)
    /// After the optimizer step `step` (0-based, global over the run) of `totalSteps`.
    func afterOptimizerStep(step: Int, totalSteps: Int)
    /// After training, on rank 0: the method's own results in the run folder; returns
    /// scalars for the run's metrics.
    func finish(validation: [Int], runDirectory: URL) throws -> [(String, Double)]
}

/// What an objective is built from: the run's config and data, the backbone it trains (its
/// weights already initialized, `init_from` included), the network input side, the label
/// classes of the eligible cells (sorted) and the data-parallel world.
struct ObjectiveContext {
    let config: TrainConfig
    let data: CropDataset
    let backbone: Backbone
    let inputSize: Int
    let classes: [String]
    let communicator: Communicator

    var seed: UInt64 { UInt64(config.seed) }
}

/// One view kind of a training step: square output side and random-resized-crop area range.
struct ViewSpec: Equatable {
    var size: Int
    var scale: (Double, Double)
    static func == (a: ViewSpec, b: ViewSpec) -> Bool { a.size == b.size && a.scale == b.scale }
}

extension TrainingObjective {
    func samplingWeights(_ cells: [Int]) -> [Double]? { nil }
    func beforeOptimizerStep(epoch: Int) {}
    func afterOptimizerStep(step: Int, totalSteps: Int) {}
    var exportedBackbone: Backbone? { nil }
    var classifier: Linear? { nil }
    func finish(validation: [Int], runDirectory: URL) throws -> [(String, Double)] { [] }
}

extension TrainConfig.Method {
    /// The objective type that trains this method.
    var objectiveType: any TrainingObjective.Type {
        switch self {
        case .supervised: SupervisedObjective.self
        case .simclr: SimCLRObjective.self
        case .dino: DINOObjective.self
        }
    }
}

/// The tensors of `weights` under `prefix`, with the prefix removed.
func tensors(_ weights: [String: Tensor], under prefix: String) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: weights.compactMap { k, v in k.hasPrefix(prefix) ? (String(k.dropFirst(prefix.count)), v) : nil })
}
