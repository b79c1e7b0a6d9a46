import Foundation
import Tensor

/// Adam with decoupled weight decay, as PyTorch's `optim.AdamW`:
/// p -= lr wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
public final class AdamW {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1, beta2, eps, weightDecay: Float
    private var stepCount = 0
    private var moments: [ObjectIdentifier: (Tensor, Tensor)] = [:]

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    public func step() {
        stepCount += 1
        let c1 = 1 - Foundation.pow(beta1, Float(stepCount)), c2 = 1 - Foundation.pow(beta2, Float(stepCount))
        withNoGrad {
            for p in parameters {
                guard let g = p.grad else { continue }
                let key = ObjectIdentifier(p)
                let (m0, v0) = moments[key] ?? (Tensor.zeros(p.shape), Tensor.zeros(p.shape))
                let m = m0 * beta1 + g * (1 - beta1)
                let v = v0 * beta2 + g * g * (1 - beta2)
                moments[key] = (m, v)
                let decayed = p.detached() * (1 - learningRate * weightDecay)
                p.assign(decayed - (m / c1) / ((v / c2).sqrt() + eps) * learningRate)
            }
        }
    }
}
