import XCTest
import Tensor
@testable import NeuralNet

final class WeightAverageTests: XCTestCase {
    func testParametersMoveBuffersStay() {
        let student = BatchNorm2d(2), teacher = BatchNorm2d(2)
        student.weight.assign(Tensor(shape: [2], [3, 5]))
        student.runningMean.assign(Tensor(shape: [2], [7, 7]))
        updateExponentialMovingAverage(target: teacher, source: student, momentum: 0.75)
        XCTAssertEqual(teacher.weight.toArray(), [1.5, 2])  // 0.75 * 1 + 0.25 * [3, 5]
        XCTAssertEqual(teacher.runningMean.toArray(), [0, 0], "buffers are the teacher's own")
        XCTAssertNil(teacher.weight.gradFn)
    }
}
