import XCTest
import Tensor
@testable import NeuralNet

final class ContrastiveLossTests: XCTestCase {
    func testGradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 11)
        let z1 = Tensor.normal([3, 4], rng: &rng), z2 = Tensor.normal([3, 4], rng: &rng)
        let report = GradCheck.check([z1, z2], eps: 1e-3) { ntXentLoss($0[0], $0[1], temperature: 0.5) }
        XCTAssertTrue(report.passed, report.description)
    }

    /// Identical views with orthogonal rows: each row's positive has cosine 1 and its
    /// 2B - 2 negatives cosine 0, so loss = -log(e^(1/t) / (e^(1/t) + 2B - 2)).
    func testKnownAnswerForOrthogonalRows() {
        let z = Tensor(shape: [2, 3], [2, 0, 0, 0, 0.5, 0])
        let t: Float = 0.2
        let expected = -log(exp(1 / t) / (exp(1 / t) + 2))
        XCTAssertEqual(ntXentLoss(z, z, temperature: t).item, expected, accuracy: 1e-5)
    }

    func testScaleInvariance() {
        var rng = RandomGenerator(seed: 2)
        let z1 = Tensor.normal([5, 8], rng: &rng), z2 = Tensor.normal([5, 8], rng: &rng)
        let a = ntXentLoss(z1, z2, temperature: 0.1).item
        let b = ntXentLoss(z1 * 7, z2 * 0.3, temperature: 0.1).item
        XCTAssertEqual(a, b, accuracy: 1e-4 * Swift.abs(a))
        XCTAssertTrue(a.isFinite)
    }
}
