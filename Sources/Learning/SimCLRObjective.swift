import Core
import Foundation
import NeuralNet
import Tensor

/// SimCLR (Chen et al. 2020; on single cells Perakis et al. 2021): two augmented views of
/// each cell, backbone + projection head (`projection_dims`), NT-Xent with `temperature`
/// over the batch's 2b views.
final class SimCLRObjective: TrainingObjective {
    static let needsLabels = false
    let context: ObjectiveContext
    let head: ProjectionHead

    init(_ context: ObjectiveContext) throws {
        self.context = context
        head = ProjectionHead(dims: [context.backbone.dim] + context.config.projectionDims, seed: SeededRandom.derive(context.seed, 2))
    }

    var views: [ViewSpec] {
        let a = context.config.augmentation
        return Array(repeating: ViewSpec(size: context.inputSize, scale: (a.cropScaleMin, a.cropScaleMax)), count: 2)
    }
    var headParameters: [(String, Tensor)] { head.namedParameters(prefix: "head.") }
    var state: [(String, Tensor)] { head.stateDict().map { ("head.\($0.0)", $0.1) } }
    func load(_ weights: [String: Tensor], source: String) throws { try head.load(tensors(weights, under: "head."), source: source) }
    func train(_ on: Bool) { head.train(on) }

    func loss(views: [Tensor], cells: [Int], epoch: Int) throws -> Tensor {
        let backbone = context.backbone
        return ntXentLoss(head(backbone.features(views[0])), head(backbone.features(views[1])),
                          temperature: Float(context.config.temperature))
    }
}
