import Tensor

/// DINO's self-distillation loss (Caron et al. 2021, `DINOLoss` in facebookresearch/dino).
///
/// The teacher's outputs for the global crops are centred (`center`, an EMA of the
/// teacher's batch mean, which prevents collapse onto one dimension) and sharpened by
/// the teacher temperature; the student's outputs for every crop are compared to each
/// teacher crop but its own view:
///
///     loss = mean over (iq, v), v != iq, of
///            mean over the batch of sum_k -softmax((t_iq - center) / tt)_k * log_softmax(s_v / ts)_k
///
/// Calling the loss also updates the center from this teacher batch, after the loss is
/// computed, so it is state: save `namedState()` in checkpoints. The teacher-temperature
/// warmup is the caller's (a `CosineSchedule` with `base == final`).
public final class DINOLoss {
    public let outDim: Int
    public let studentTemperature: Float
    public let centerMomentum: Float
    /// [1, outDim], the running mean of the teacher outputs.
    public let center: Tensor
    /// For data-parallel training: maps this process's teacher batch mean [1, outDim] to the
    /// mean over all processes (an all-reduce), as dino all-reduces the batch center, so
    /// every replica keeps the same center. Nil for a single process.
    public var reduceBatchCenter: ((Tensor) -> Tensor)?

    public init(outDim: Int, studentTemperature: Float = 0.1, centerMomentum: Float = 0.9) {
        precondition(outDim >= 1 && studentTemperature > 0, "DINOLoss: need outDim >= 1 and a positive temperature")
        self.outDim = outDim
        self.studentTemperature = studentTemperature
        self.centerMomentum = centerMomentum
        center = Tensor.zeros([1, outDim])
    }

    /// `student`: one [B, outDim] logits tensor per crop, global crops first; `teacher`: one
    /// per global crop, in the same order (not differentiated).
    public func callAsFunction(student: [Tensor], teacher: [Tensor], teacherTemperature: Float) -> Tensor {
        precondition(!teacher.isEmpty && student.count >= 2 && teacher.count <= student.count,
                     "DINOLoss: need >= 1 teacher and >= 2 student crops with at most as many teacher crops, got \(teacher.count) and \(student.count)")
        precondition(teacherTemperature > 0, "DINOLoss: teacher temperature must be positive, got \(teacherTemperature)")
        let shape = teacher[0].shape
        precondition(shape.count == 2 && shape[1] == outDim && (student + teacher).allSatisfy { $0.shape == shape },
                     "DINOLoss: every crop must be [B, \(outDim)], got student \(student.map(\.shape)), teacher \(teacher.map(\.shape))")
        let targets = withNoGrad { teacher.map { (($0.detached() - center) * (1 / teacherTemperature)).softmax() } }
        let logProbabilities = student.map { ($0 * (1 / studentTemperature)).logSoftmax() }
        var total: Tensor?
        var terms = 0
        for (iq, q) in targets.enumerated() {
            for (v, logP) in logProbabilities.enumerated() where v != iq {
                let term = -(q * logP).sum(axes: [-1]).mean()
                total = total.map { $0 + term } ?? term
                terms += 1
            }
        }
        updateCenter(teacher)
        return total! * (1 / Float(terms))
    }

    private func updateCenter(_ teacher: [Tensor]) {
        withNoGrad {
            let rows = Float(teacher.count * teacher[0].shape[0])
            let sum = teacher.map { $0.detached().sum(axes: [0], keepDims: true) }.reduce(Tensor.zeros([1, outDim]), +)
            var batchCenter = sum * (1 / rows)
            if let reduceBatchCenter { batchCenter = reduceBatchCenter(batchCenter) }
            center.assign(center * centerMomentum + batchCenter * (1 - centerMomentum))
        }
    }

    public func namedState() -> [(String, Tensor)] { [("center", center)] }

    public func loadState(_ state: [String: Tensor]) throws {
        guard let c = state["center"] else { throw StateError("DINOLoss state: missing key 'center'") }
        guard c.shape == center.shape else {
            throw StateError("DINOLoss state: key 'center' has shape \(c.shape), expected \(center.shape)")
        }
        if let extra = state.keys.first(where: { $0 != "center" }) {
            throw StateError("DINOLoss state: unexpected key '\(extra)'")
        }
        center.assign(c)
    }
}
