import XCTest
import Tensor
@testable import NeuralNet

final class DINOLossTests: XCTestCase {
    func crops(_ n: Int, seed: UInt64) -> [Tensor] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in Tensor.normal([2, 5], rng: &rng) }
    }

    func testGradientMatchesFiniteDifferences() {
        let teacher = crops(2, seed: 4)
        let report = GradCheck.check(crops(3, seed: 3), eps: 1e-3) { student in
            // A fresh loss per evaluation: every call moves the center.
            DINOLoss(outDim: 5)(student: student, teacher: teacher, teacherTemperature: 0.07)
        }
        XCTAssertTrue(report.passed, report.description)
    }

    func testTeacherGetsNoGradientAndCenterIsTheBatchMeanEMA() {
        let student = crops(4, seed: 1).map { t -> Tensor in t.requiresGrad = true; return t }
        let teacher = crops(2, seed: 2).map { t -> Tensor in t.requiresGrad = true; return t }
        let loss = DINOLoss(outDim: 5, centerMomentum: 0.8)
        let l = loss(student: student, teacher: teacher, teacherTemperature: 0.04)
        l.backward()
        XCTAssertNil(teacher[0].grad)
        XCTAssertNotNil(student[3].grad)
        // Center starts at 0, so after one call it is 0.2 * mean over the 4 teacher rows.
        let mean = Tensor.concat(teacher, axis: 0).mean(axes: [0], keepDims: true) * 0.2
        for (a, b) in zip(loss.center.toArray(), mean.toArray()) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    /// Student equal to the teacher target on the opposite view, one pair each way: the
    /// loss is then the entropy of the (uniform) target, log K.
    func testUniformTeacherGivesLogK() {
        let student = [Tensor.zeros([3, 5]), Tensor.zeros([3, 5])]
        let teacher = [Tensor.full([3, 5], 2), Tensor.full([3, 5], -1)]
        let l = DINOLoss(outDim: 5)(student: student, teacher: teacher, teacherTemperature: 0.04)
        XCTAssertEqual(l.item, log(5), accuracy: 1e-5)
    }

    func testStateRoundTripAndErrors() throws {
        let a = DINOLoss(outDim: 5)
        _ = a(student: crops(3, seed: 5), teacher: crops(2, seed: 6), teacherTemperature: 0.04)
        let b = DINOLoss(outDim: 5)
        try b.loadState(Dictionary(uniqueKeysWithValues: a.namedState()))
        XCTAssertEqual(a.center.toArray(), b.center.toArray())
        XCTAssertThrowsError(try b.loadState([:])) { XCTAssertEqual("\($0)", "DINOLoss state: missing key 'center'") }
        XCTAssertThrowsError(try b.loadState(["center": Tensor.zeros([1, 4])])) {
            XCTAssertEqual("\($0)", "DINOLoss state: key 'center' has shape [1, 4], expected [1, 5]")
        }
    }
}
