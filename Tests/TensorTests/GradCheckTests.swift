import XCTest
@testable import Tensor

/// Finite-difference checks of every differentiable op, on tiny shapes.
final class GradCheckTests: XCTestCase {
    var rng = RandomGenerator(seed: 42)

    func rand(_ shape: [Int], low: Float = -1, high: Float = 1) -> Tensor {
        Tensor.uniform(shape, low: low, high: high, rng: &rng)
    }

    /// Values at least `gap` apart, so a nudge never crosses a kink (relu, max, clamp).
    func spaced(_ shape: [Int], gap: Float = 0.05) -> Tensor {
        let n = shape.reduce(1, *)
        var v = (0..<n).map { Float($0 - n / 2) * gap + gap / 2 }
        v.shuffle(using: &rng)
        return Tensor(shape: shape, v)
    }

    func assertGrad(_ inputs: [Tensor], eps: Float = 1e-2, _ f: @escaping ([Tensor]) -> Tensor,
                    file: StaticString = #filePath, line: UInt = #line) {
        let report = GradCheck.check(inputs, eps: eps, f)
        XCTAssertTrue(report.passed, report.description, file: file, line: line)
    }

    func testArithmeticWithBroadcasting() {
        assertGrad([rand([2, 3]), rand([3])]) { $0[0] + $0[1] }
        assertGrad([rand([2, 3]), rand([2, 1])]) { $0[0] - $0[1] }
        assertGrad([rand([2, 1, 3]), rand([4, 1])]) { $0[0] * $0[1] }
        assertGrad([rand([2, 3]), rand([3], low: 0.5, high: 2)]) { $0[0] / $0[1] }
        assertGrad([rand([3, 2])]) { -$0[0] * 3 + 1 }
    }

    func testUnaryOps() {
        assertGrad([rand([2, 3])]) { $0[0].exp() }
        assertGrad([rand([2, 3], low: 0.5, high: 2)]) { $0[0].log() }
        assertGrad([rand([2, 3], low: 0.5, high: 2)]) { $0[0].sqrt() }
        assertGrad([rand([2, 3], low: 0.5, high: 2)]) { $0[0].pow(2.5) }
        assertGrad([rand([2, 3])]) { $0[0].tanh() }
        assertGrad([rand([2, 3])]) { $0[0].sigmoid() }
        assertGrad([rand([2, 3], low: -2, high: 2)]) { $0[0].gelu() }
        assertGrad([spaced([2, 4])], eps: 1e-3) { $0[0].relu() }
        assertGrad([spaced([2, 4])], eps: 1e-3) { $0[0].abs() }
        assertGrad([spaced([2, 4])], eps: 1e-3) { $0[0].clamp(min: -0.06, max: 0.04) }
    }

    func testReductions() {
        assertGrad([rand([2, 3, 4])]) { $0[0].sum(axes: [1]) }
        assertGrad([rand([2, 3, 4])]) { $0[0].sum() }
        assertGrad([rand([2, 3, 4])]) { $0[0].mean(axes: [0, 2], keepDims: true) }
        assertGrad([spaced([2, 3, 4])], eps: 1e-3) { $0[0].max(axes: [2]) }
        assertGrad([rand([3, 5])]) { $0[0].softmax() }
        assertGrad([rand([3, 5])]) { $0[0].logSoftmax() }
    }

    func testViewsAndJoining() {
        assertGrad([rand([2, 3, 4])]) { $0[0].reshape([4, -1]) }
        assertGrad([rand([2, 3, 4])]) { $0[0].permute([2, 0, 1]).contiguous() }
        assertGrad([rand([2, 3, 4])]) { $0[0].transposed(0, 2) * 2 }
        assertGrad([rand([4, 3])]) { $0[0].slice(axis: 0, 1..<3) }
        assertGrad([rand([3, 1])]) { $0[0].expand([2, 3, 4]) }
        assertGrad([rand([2, 3]), rand([2, 2])]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        assertGrad([rand([4, 3])]) { $0[0].indexSelect([3, 0, 3]) }
        assertGrad([rand([3, 4])]) { $0[0].gatherLastAxis([1, 3, 0]) }
    }

    func testUpsampleNearest() {
        assertGrad([rand([2, 3, 2, 3])]) { Tensor.upsampleNearest2d($0[0], scale: 2) }
        assertGrad([rand([1, 2, 3, 2])]) { Tensor.upsampleNearest2d($0[0], scale: 3) * 2 }
        // Known answer: each pixel becomes a scale x scale block (PyTorch's nearest mode).
        let x = Tensor(shape: [1, 1, 2, 2], [1, 2, 3, 4])
        XCTAssertEqual(Tensor.upsampleNearest2d(x, scale: 2).toArray(),
                       [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    func testMatmul() {
        assertGrad([rand([3, 4]), rand([4, 2])]) { $0[0].matmul($0[1]) }
        assertGrad([rand([2, 3, 4]), rand([4, 5])]) { $0[0].matmul($0[1]) }
        assertGrad([rand([3, 2, 2, 4]), rand([4, 5])]) { $0[0].transposed(0, 1).matmul($0[1]) }
        assertGrad([rand([2, 3, 4]), rand([2, 5, 4])]) { $0[0].matmul($0[1].transposed()) }
        assertGrad([rand([4, 3]), rand([4, 2])]) { $0[0].transposed().matmul($0[1]) }
    }

    func testLinear() {
        assertGrad([rand([2, 3, 4]), rand([5, 4]), rand([5])]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        assertGrad([rand([4]), rand([3, 4]), rand([3])]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        // A transposed (strided) input is made contiguous first.
        assertGrad([rand([4, 3]), rand([2, 4]), rand([2])]) { Tensor.linear($0[0].transposed(), weight: $0[1], bias: $0[2]) }
        // The bias-in-sgemm forward against matmul plus a broadcast add, on a row count that
        // splits the bias fill over two threads.
        Threads.setCount(2)
        let x = rand([700, 64]), w = rand([96, 64]), b = rand([96])
        let fused = Tensor.linear(x, weight: w, bias: b).toArray(), ref = (x.matmul(w.transposed()) + b).toArray()
        XCTAssertLessThan(zip(fused, ref).map { Swift.abs($0 - $1) }.max()!, 1e-5)
    }

    func testConvolution() {
        assertGrad([rand([2, 3, 5, 5]), rand([4, 3, 3, 3]), rand([4])]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 1, padding: 1)
        }
        assertGrad([rand([1, 2, 6, 6]), rand([3, 2, 3, 3])]) {
            Tensor.conv2d($0[0], weight: $0[1], stride: 2, padding: 1)
        }
        assertGrad([rand([1, 4, 5, 5]), rand([6, 2, 3, 3]), rand([6])]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 1, padding: 0, groups: 2)
        }
    }

    func testPooling() {
        assertGrad([spaced([1, 2, 4, 4])], eps: 1e-3) { Tensor.pool2d($0[0], kind: .max, kernel: 2) }
        assertGrad([spaced([1, 2, 5, 5])], eps: 1e-3) { Tensor.pool2d($0[0], kind: .max, kernel: 3, stride: 2, padding: 1) }
        assertGrad([rand([1, 2, 5, 5])]) { Tensor.pool2d($0[0], kind: .average, kernel: 3, stride: 2, padding: 1) }
        assertGrad([rand([2, 3, 4, 4])]) { Tensor.adaptiveAvgPool2d($0[0], size: 1) }
        assertGrad([rand([1, 2, 4, 4])]) { Tensor.adaptiveAvgPool2d($0[0], size: 2) }
    }

    func testNormalization() {
        assertGrad([rand([3, 2, 3, 3]), rand([2], low: 0.5, high: 1.5), rand([2])]) {
            Tensor.batchNorm2d($0[0], weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
        }
        // Fused with a ReLU: inputs whose normalized outputs all stay clear of the kink.
        let bnInputs = [spaced([3, 2, 3, 3]), rand([2], low: 0.5, high: 1.5), rand([2])]
        let bnOut = withNoGrad {
            Tensor.batchNorm2d(bnInputs[0], weight: bnInputs[1], bias: bnInputs[2], runningMean: nil, runningVar: nil, training: true)
        }
        XCTAssertGreaterThan(bnOut.toArray().map { Swift.abs($0) }.min()!, 0.01)
        XCTAssertTrue(bnOut.toArray().contains { $0 < 0 })
        assertGrad(bnInputs, eps: 1e-3) {
            Tensor.batchNorm2d($0[0], weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true, relu: true)
        }
        let rm = rand([2]), rv = rand([2], low: 0.5, high: 2)
        assertGrad([rand([2, 2, 3, 3]), rand([2]), rand([2])]) {
            Tensor.batchNorm2d($0[0], weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, training: false)
        }
        assertGrad([rand([2, 3, 5]), rand([5], low: 0.5, high: 1.5), rand([5])]) {
            Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2])
        }
    }
}
