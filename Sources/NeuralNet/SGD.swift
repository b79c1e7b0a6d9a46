import Tensor

/// Stochastic gradient descent with momentum and L2 weight decay added to the gradient,
/// as PyTorch's `optim.SGD` (dampening 0, no Nesterov): g += wd p; v = mu v + g (v = g on
/// the first step); p -= lr v. Parameters in `noDecay` (see `Module.noDecayParameters`)
/// get no weight decay, like a second PyTorch parameter group with `weight_decay=0`.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public var weightDecay: Float
    public let momentum: Float
    private let decays: [Bool]
    private var state: OptimizerState

    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
                noDecay: Set<ObjectIdentifier> = []) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        decays = parameters.map { !noDecay.contains(ObjectIdentifier($0)) }
        state = OptimizerState(slots: ["momentum"], parameterCount: parameters.count)
    }

    public func step() {
        state.step += 1
        withNoGrad {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                state["momentum", i] = ParameterUpdate.sgd(p, grad: g, velocity: state["momentum", i], learningRate: learningRate,
                                                           momentum: momentum, weightDecay: decays[i] ? weightDecay : 0)
            }
        }
    }

    public func namedState() -> [(String, Tensor)] { state.named() }

    public func loadState(_ state: [String: Tensor]) throws {
        try self.state.load(state, parameters: parameters, optimizer: "SGD")
    }
}
