import XCTest
@testable import NeuralNet

final class LearningRateScheduleTests: XCTestCase {
    func testWarmupThenCosine() {
        let s = CosineSchedule(base: 1, final: 0, totalSteps: 6, warmupSteps: 3, warmupStart: 0.25)
        // linspace(0.25, 1, 3) then 0.5 (1 + cos(pi i / 3)) for i = 0, 1, 2
        let expected: [Float] = [0.25, 0.625, 1, 1, 0.75, 0.25]
        for (i, e) in expected.enumerated() { XCTAssertEqual(s.value(at: i), e, accuracy: 1e-7, "step \(i)") }
        XCTAssertEqual(s.value(at: 100), s.value(at: 5), "past the end keeps the last value")
        XCTAssertEqual(s.value(at: -1), 0.25)
    }

    func testConstantWithWarmupIsTeacherTemperatureRamp() {
        let s = CosineSchedule(base: 0.07, final: 0.07, totalSteps: 5, warmupSteps: 2, warmupStart: 0.04)
        XCTAssertEqual((0..<5).map { s.value(at: $0) }, [0.04, 0.07, 0.07, 0.07, 0.07])
    }
}
