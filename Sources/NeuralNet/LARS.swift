import Foundation
import Tensor

/// Layer-wise Adaptive Rate Scaling (You et al. 2017) as SimCLR and DINO use it, with the
/// semantics of facebookresearch/dino's `utils.LARS` (from Barlow Twins):
///
///     d = g + wd p                       (decayed parameters only)
///     d *= eta ||p|| / ||d||             (adapted parameters; 1 when either norm is 0)
///     mu = momentum mu + d;  p -= lr mu  (mu starts at zero)
///
/// As there, 1-D parameters (biases, norm weights) get neither weight decay nor the trust
/// ratio; parameters in `noDecay` (see `Module.noDecayParameters`) are treated the same way.
public final class LARS: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public var weightDecay: Float
    public let momentum, eta: Float
    private let adapted: [Bool]
    private var state: OptimizerState

    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0,
                eta: Float = 0.001, noDecay: Set<ObjectIdentifier> = []) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.eta = eta
        adapted = parameters.map { $0.rank != 1 && !noDecay.contains(ObjectIdentifier($0)) }
        state = OptimizerState(slots: ["momentum"], parameterCount: parameters.count)
    }

    public func step() {
        state.step += 1
        withNoGrad {
            for (i, p) in parameters.enumerated() {
                guard var d = p.grad else { continue }
                if adapted[i] {
                    if weightDecay != 0 { d = d + p.detached() * weightDecay }
                    let pNorm = LARS.norm(p), dNorm = LARS.norm(d)
                    if pNorm > 0 && dNorm > 0 { d = d * (eta * pNorm / dNorm) }
                }
                state["momentum", i] = ParameterUpdate.sgd(p, grad: d, velocity: state["momentum", i], learningRate: learningRate,
                                                           momentum: momentum, weightDecay: 0)
            }
        }
    }

    static func norm(_ t: Tensor) -> Float { (t * t).sum().item.squareRoot() }

    public func namedState() -> [(String, Tensor)] { state.named() }

    public func loadState(_ state: [String: Tensor]) throws {
        try self.state.load(state, parameters: parameters, optimizer: "LARS")
    }
}
