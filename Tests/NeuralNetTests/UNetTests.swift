import Foundation
import Tensor
import XCTest
@testable import NeuralNet

/// The U-Net's shape contract and names, and the binary cross-entropy it trains with.
final class UNetTests: XCTestCase {
    func testOutputShapeAndParameterNames() {
        let net = UNet(config: .init(inChannels: 1, outChannels: 2, widths: [4, 8, 16]), seed: 1)
        XCTAssertEqual(net.sizeMultiple, 4)
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.uniform([2, 1, 16, 12], low: 0, high: 1, rng: &rng)
        XCTAssertEqual(net(x).shape, [2, 2, 16, 12])
        let names = Set(net.stateDict().map(\.0))
        for n in ["down.0.conv1.weight", "down.2.bn2.running_var", "up.0.conv1.weight", "up.1.bn1.bias", "head.weight", "head.bias"] {
            XCTAssertTrue(names.contains(n), n)
        }
        // Decoder level 0 sees the upsampled level-1 map (8) beside the level-0 skip (4).
        XCTAssertEqual(net.stateDict().first { $0.0 == "up.0.conv1.weight" }?.1.shape, [4, 12, 3, 3])
    }

    /// Inference (no gradients, eval mode) folds batch norm into the convolutions; it must
    /// give what the unfolded eval pass gives.
    func testFoldedInferenceMatchesEvalPass() {
        let net = UNet(config: .init(widths: [4, 8]), seed: 2)
        var rng = RandomGenerator(seed: 5)
        for (_, bn) in net.namedBuffers() where bn.rank == 1 {
            let v = Tensor.uniform(bn.shape, low: 0.5, high: 1.5, rng: &rng)
            bn.assign(v)
        }
        net.train(false)
        let x = Tensor.uniform([1, 1, 8, 8], low: 0, high: 1, rng: &rng)
        x.requiresGrad = true
        let unfolded = net(x).toArray()
        let folded = withNoGrad { net(x.detached()).toArray() }
        for (a, b) in zip(unfolded, folded) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    /// The blocked-layout inference pass at the shipped model's widths (blocks of 16 and 8
    /// channels), a batch of two and a non-square input, against the layer-by-layer eval pass.
    func testBlockedInferenceMatchesLayerByLayerPass() {
        let net = UNet(config: .init(widths: [16, 32, 64]), seed: 4)
        var rng = RandomGenerator(seed: 6)
        for (_, bn) in net.namedBuffers() where bn.rank == 1 {
            bn.assign(Tensor.uniform(bn.shape, low: 0.5, high: 1.5, rng: &rng))
        }
        net.train(false)
        let x = Tensor.uniform([2, 1, 24, 40], low: 0, high: 1, rng: &rng)
        x.requiresGrad = true
        let layered = net(x).toArray()
        let blocked = withNoGrad { net(x.detached()) }
        XCTAssertEqual(blocked.shape, [2, 2, 24, 40])
        let worst = zip(layered, blocked.toArray()).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4)
    }

    func testBinaryCrossEntropyKnownAnswerAndGradient() {
        let logits = Tensor(shape: [4], [0, 2, -3, 40])
        let targets = Tensor(shape: [4], [0.5, 1, 0, 0.25])
        func bce(_ x: Double, _ t: Double) -> Double {
            let p = 1 / (1 + exp(-x))
            return -(t * log(max(p, 1e-300)) + (1 - t) * log(max(1 - p, 1e-300)))
        }
        // The last term in closed form: log(1 + e^40) - 0.25 * 40 (the naive form overflows).
        let expected = (bce(0, 0.5) + bce(2, 1) + bce(-3, 0) + (40 + log1p(exp(-40.0)) - 10)) / 4
        XCTAssertEqual(Double(BinaryCrossEntropy.withLogits(logits, targets: targets).toArray()[0]), expected, accuracy: 1e-5)
        var rng = RandomGenerator(seed: 9)
        let t = Tensor.uniform([2, 3], low: 0, high: 1, rng: &rng)
        let w = Tensor.uniform([2, 3], low: 0.5, high: 2, rng: &rng)
        // Away from 0, where |x| has its kink.
        let x = Tensor(shape: [2, 3], [0.7, -1.3, 2.1, -0.4, 0.9, -2.6])
        let report = GradCheck.check([x]) { BinaryCrossEntropy.withLogits($0[0], targets: t, weights: w) }
        XCTAssertTrue(report.passed, report.description)
    }
}
