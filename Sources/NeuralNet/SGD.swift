import Tensor

/// Stochastic gradient descent with momentum and L2 weight decay added to the gradient,
/// as PyTorch's `optim.SGD`: v = mu v + (g + wd p); p -= lr v.
public final class SGD {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let momentum, weightDecay: Float
    private var velocity: [ObjectIdentifier: Tensor] = [:]

    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func step() {
        withNoGrad {
            for p in parameters {
                guard var g = p.grad else { continue }
                if weightDecay != 0 { g = g + p.detached() * weightDecay }
                if momentum != 0 {
                    let key = ObjectIdentifier(p)
                    let v = velocity[key].map { $0 * momentum + g } ?? g
                    velocity[key] = v
                    g = v
                }
                p.assign(p.detached() - g * learningRate)
            }
        }
    }
}
