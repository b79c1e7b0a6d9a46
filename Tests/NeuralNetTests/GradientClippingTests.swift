import XCTest
import Tensor
@testable import NeuralNet

final class GradientClippingTests: XCTestCase {
    func testGlobalNormClipsAllGradientsTogether() {
        let a = Tensor.zeros([2], requiresGrad: true), b = Tensor.zeros([1], requiresGrad: true)
        let c = Tensor.zeros([3], requiresGrad: true)  // no gradient: skipped
        a.grad = Tensor(shape: [2], [3, 0])
        b.grad = Tensor(shape: [1], [4])
        XCTAssertEqual(clipGradientNorm([a, b, c], maxNorm: 1), 5)
        XCTAssertEqual(a.grad!.toArray()[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(b.grad!.toArray()[0], 0.8, accuracy: 1e-6)
        XCTAssertNil(c.grad)
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 10), 1, accuracy: 1e-6)
        XCTAssertEqual(b.grad!.toArray()[0], 0.8, accuracy: 1e-6, "below the limit: unchanged")
    }

    func testNonFiniteNormLeavesGradientsAlone() {
        let a = Tensor.zeros([2], requiresGrad: true)
        a.grad = Tensor(shape: [2], [.nan, 1])
        XCTAssertTrue(clipGradientNorm([a], maxNorm: 1).isNaN)
        XCTAssertEqual(a.grad!.toArray()[1], 1)
    }
}
