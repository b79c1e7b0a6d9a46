import Foundation
import Tensor

/// Adam with decoupled weight decay, as PyTorch's `optim.AdamW`:
/// p -= lr wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
/// Parameters in `noDecay` (see `Module.noDecayParameters`) skip the decay term.
public final class AdamW: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public var weightDecay: Float
    public let beta1, beta2, eps: Float
    private let decays: [Bool]
    private var state: OptimizerState

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01, noDecay: Set<ObjectIdentifier> = []) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        decays = parameters.map { !noDecay.contains(ObjectIdentifier($0)) }
        state = OptimizerState(slots: ["exp_avg", "exp_avg_sq"], parameterCount: parameters.count)
    }

    public func step() {
        state.step += 1
        let t = Float(state.step)
        let c1 = 1 - Foundation.pow(beta1, t), c2 = 1 - Foundation.pow(beta2, t)
        withNoGrad {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                let m = state["exp_avg", i] ?? Tensor.zeros(p.shape)
                let v = state["exp_avg_sq", i] ?? Tensor.zeros(p.shape)
                ParameterUpdate.adamW(p, grad: g, expAvg: m, expAvgSq: v, learningRate: learningRate, beta1: beta1,
                                      beta2: beta2, eps: eps, weightDecay: decays[i] ? weightDecay : 0,
                                      correction1: c1, correction2: c2)
                state["exp_avg", i] = m
                state["exp_avg_sq", i] = v
            }
        }
    }

    public func namedState() -> [(String, Tensor)] { state.named() }

    public func loadState(_ state: [String: Tensor]) throws {
        try self.state.load(state, parameters: parameters, optimizer: "AdamW")
    }
}
