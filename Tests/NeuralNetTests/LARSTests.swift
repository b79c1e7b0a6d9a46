import XCTest
import Tensor
@testable import NeuralNet

final class LARSTests: XCTestCase {
    /// One step by hand: d = g + wd p; d *= eta ||p|| / ||d||; p -= lr d (momentum buffer
    /// starts at d). The 1-D parameter takes the plain gradient.
    func testFirstStepKnownAnswer() {
        let w = Tensor(shape: [2, 2], [3, 0, 0, 4], requiresGrad: true)  // ||w|| = 5
        let b = Tensor(shape: [2], [1, -1], requiresGrad: true)
        w.grad = Tensor(shape: [2, 2], [0.9, 0, 0, 1.2])
        b.grad = Tensor(shape: [2], [0.5, 0.25])
        let opt = LARS(parameters: [w, b], learningRate: 2, weightDecay: 0.1, eta: 0.01)
        opt.step()
        // d = [1.2, 0, 0, 1.6], ||d|| = 2, ratio 0.01 * 5 / 2 = 0.025, d = [0.03, 0, 0, 0.04]
        let expectedW: [Float] = [3 - 0.06, 0, 0, 4 - 0.08]
        for (a, e) in zip(w.toArray(), expectedW) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        XCTAssertEqual(b.toArray(), [0, -1.5])
    }

    func testZeroParameterTakesUnscaledStep() {
        let w = Tensor.zeros([2, 2], requiresGrad: true)
        w.grad = Tensor.full([2, 2], 0.5)
        let opt = LARS(parameters: [w], learningRate: 0.1, momentum: 0.9, weightDecay: 0.1)
        opt.step()
        opt.step()
        // Step 1: ||p|| = 0, ratio 1: mu = 0.5, p = -0.05. Step 2: d = 0.5 + 0.1 p = 0.495,
        // ratio 0.001 * 0.1 / 0.99, mu = 0.45 + 0.00005, p = -0.05 - 0.1 mu.
        for v in w.toArray() { XCTAssertEqual(v, -0.095005, accuracy: 1e-7) }
    }
}
