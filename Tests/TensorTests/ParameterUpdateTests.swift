import XCTest
@testable import Tensor

/// The fused optimizer passes against the same update rules written as tensor ops (the
/// formulas of PyTorch's `optim.SGD` and `optim.AdamW` docs), over several steps, on a
/// parameter large enough to split over two threads: bit-identical (tensor-by-scalar
/// division multiplies by the reciprocal, so the reference divides by scalar tensors).
final class ParameterUpdateTests: XCTestCase {
    var rng = RandomGenerator(seed: 3)
    let shape = [300, 700]  // 210,000 elements: more than two 65,536-element grains

    override func setUp() { Threads.setCount(2) }

    private func gradients(_ steps: Int) -> [Tensor] { (0..<steps).map { _ in Tensor.normal(shape, rng: &rng) } }

    func testSGDWithMomentumAndDecayMatchesTensorFormula() {
        let p0 = Tensor.normal(shape, rng: &rng), grads = gradients(4)
        for (mu, wd) in [(Float(0.9), Float(1e-4)), (0, 0.01), (0.9, 0)] {
            let fused = Tensor(shape: shape, p0.toArray()), ref = Tensor(shape: shape, p0.toArray())
            var velocity: Tensor?, refVelocity: Tensor?
            for g in grads {
                velocity = ParameterUpdate.sgd(fused, grad: g, velocity: velocity, learningRate: 0.05, momentum: mu, weightDecay: wd)
                var d = wd != 0 ? g + ref * wd : g
                if mu != 0 {
                    d = refVelocity.map { $0 * mu + d } ?? d.contiguous()
                    refVelocity = d
                }
                ref.assign(ref - d * 0.05)
            }
            assertIdentical(fused, ref, "parameter, momentum \(mu) weight decay \(wd)")
            XCTAssertEqual(velocity == nil, refVelocity == nil)
            if let velocity, let refVelocity { assertIdentical(velocity, refVelocity, "velocity, momentum \(mu) weight decay \(wd)") }
            XCTAssertNotEqual(fused.toArray(), p0.toArray())
        }
    }

    func testAdamWMatchesTensorFormula() {
        let p0 = Tensor.normal(shape, rng: &rng), grads = gradients(4)
        let (b1, b2, eps, lr): (Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 1e-3)
        for wd: Float in [0.05, 0] {
            let fused = Tensor(shape: shape, p0.toArray()), ref = Tensor(shape: shape, p0.toArray())
            let m = Tensor.zeros(shape), v = Tensor.zeros(shape)
            var rm = Tensor.zeros(shape), rv = Tensor.zeros(shape)
            for (t, g) in grads.enumerated() {
                let c1 = 1 - pow(b1, Float(t + 1)), c2 = 1 - pow(b2, Float(t + 1))
                ParameterUpdate.adamW(fused, grad: g, expAvg: m, expAvgSq: v, learningRate: lr, beta1: b1, beta2: b2, eps: eps,
                                      weightDecay: wd, correction1: c1, correction2: c2)
                rm = rm * b1 + g * (1 - b1)
                rv = rv * b2 + g * g * (1 - b2)
                let decayed = wd != 0 ? ref * (1 - lr * wd) : ref
                ref.assign(decayed - (rm / Tensor(scalar: c1)) / ((rv / Tensor(scalar: c2)).sqrt() + eps) * lr)
            }
            assertIdentical(fused, ref, "parameter, weight decay \(wd)")
            assertIdentical(m, rm, "first moment")
            assertIdentical(v, rv, "second moment")
        }
    }

    private func assertIdentical(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let av = a.toArray(), bv = b.toArray()
        let differing = zip(av, bv).enumerated().filter { $0.element.0 != $0.element.1 }
        XCTAssertTrue(differing.isEmpty, "\(what): \(differing.count) of \(av.count) elements differ, first at \(differing.first.map { "\($0.offset): \($0.element)" } ?? "")",
                      file: file, line: line)
    }
}
