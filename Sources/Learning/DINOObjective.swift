import Core
import Foundation
import NeuralNet
import Tensor

/// DINO self-distillation (Caron et al. 2021; on cells Dino4Cells, Doron et al. 2023):
/// multi-crop views (2 global crops of the input side, `local_crops_number` local crops of
/// `local_crop_size`), a student (the trained backbone + `DINOHead`) and a teacher of the
/// same shape that starts as its copy and follows it by an EMA whose momentum rises from
/// `momentum_teacher` to 1 by a cosine over the run. The teacher sees the global crops, the
/// student every crop; `DINOLoss` centres and sharpens the teacher (temperature warmed up
/// from `warmup_teacher_temp` over `warmup_teacher_temp_epochs`). The head's last layer is
/// frozen for `freeze_last_layer` epochs. The teacher backbone is the exported one.
final class DINOObjective: TrainingObjective {
    static let needsLabels = false
    let context: ObjectiveContext
    let head: DINOHead
    let teacherBackbone: Backbone
    let teacherHead: DINOHead
    let dinoLoss: DINOLoss

    init(_ context: ObjectiveContext) throws {
        let config = context.config, backbone = context.backbone
        self.context = context
        func makeHead() -> DINOHead {
            DINOHead(inDim: backbone.dim, outDim: config.outDim, hiddenDim: config.headHiddenDim,
                     bottleneckDim: config.headBottleneckDim, seed: SeededRandom.derive(context.seed, 3))
        }
        head = makeHead()
        teacherBackbone = try ModelFactory.makeBackbone(config.arch, channels: context.data.channels, size: context.inputSize,
                                                        patch: config.patchSize, seed: context.seed)
        teacherHead = makeHead()
        try teacherBackbone.load(Dictionary(uniqueKeysWithValues: backbone.stateDict()), source: "student")
        try teacherHead.load(Dictionary(uniqueKeysWithValues: head.stateDict()), source: "student")
        dinoLoss = DINOLoss(outDim: config.outDim, studentTemperature: Float(config.studentTemp),
                            centerMomentum: Float(config.centerMomentum))
        let communicator = context.communicator
        if communicator.size > 1 {
            // As dino's all-reduced batch center: every rank keeps the same center.
            dinoLoss.reduceBatchCenter = { local in
                var values = local.toArray()
                try? communicator.allreduceSum(&values)
                return Tensor(shape: local.shape, values.map { $0 / Float(communicator.size) })
            }
        }
    }

    var views: [ViewSpec] {
        let c = context.config
        let local = c.localCropSize > 0 ? c.localCropSize : max(8, context.inputSize / 2)
        return Array(repeating: ViewSpec(size: context.inputSize, scale: (c.globalCropsScale[0], c.globalCropsScale[1])), count: 2)
            + Array(repeating: ViewSpec(size: local, scale: (c.localCropsScale[0], c.localCropsScale[1])), count: c.localCropsNumber)
    }
    var headParameters: [(String, Tensor)] { head.namedParameters(prefix: "head.") }
    var state: [(String, Tensor)] {
        head.stateDict().map { ("head.\($0.0)", $0.1) }
            + teacherBackbone.stateDict().map { ("teacher.backbone.\($0.0)", $0.1) }
            + teacherHead.stateDict().map { ("teacher.head.\($0.0)", $0.1) }
            + dinoLoss.namedState().map { ("dino_loss.\($0.0)", $0.1) }
    }
    func load(_ weights: [String: Tensor], source: String) throws {
        try head.load(tensors(weights, under: "head."), source: source)
        try teacherBackbone.load(tensors(weights, under: "teacher.backbone."), source: source)
        try teacherHead.load(tensors(weights, under: "teacher.head."), source: source)
        try dinoLoss.loadState(tensors(weights, under: "dino_loss."))
    }
    var exportedBackbone: Backbone? { teacherBackbone }
    func train(_ on: Bool) { head.train(on) }

    /// The teacher temperature of `epoch`: linear from the warmup value, then constant.
    func teacherTemperature(epoch: Int) -> Double {
        let c = context.config
        return epoch < c.warmupTeacherTempEpochs
            ? c.warmupTeacherTemp + (c.teacherTemp - c.warmupTeacherTemp) * Double(epoch) / Double(c.warmupTeacherTempEpochs)
            : c.teacherTemp
    }

    func loss(views: [Tensor], cells: [Int], epoch: Int) throws -> Tensor {
        let backbone = context.backbone
        let teacherOut = withNoGrad { views.prefix(2).map { teacherHead(teacherBackbone.features($0)) } }
        let studentOut = views.map { head(backbone.features($0)) }
        return dinoLoss(student: studentOut, teacher: teacherOut, teacherTemperature: Float(teacherTemperature(epoch: epoch)))
    }

    func beforeOptimizerStep(epoch: Int) {
        guard epoch < context.config.freezeLastLayer else { return }
        for (n, p) in head.namedParameters() where n.hasPrefix("last_layer") { p.grad = nil }
    }

    func afterOptimizerStep(step: Int, totalSteps: Int) {
        let momentum = CosineSchedule(base: Float(context.config.momentumTeacher), final: 1, totalSteps: totalSteps, warmupSteps: 0).value(at: step)
        withNoGrad {
            updateExponentialMovingAverage(target: teacherBackbone, source: context.backbone, momentum: momentum)
            updateExponentialMovingAverage(target: teacherHead, source: head, momentum: momentum)
        }
    }
}
