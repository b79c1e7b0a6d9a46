import XCTest
@testable import Tensor

/// Each op on blocked activations against its plain `Tensor` counterpart, with channel counts
/// that are not multiples of the SIMD block (the padded tail of a block must not leak).
final class BlockedActivationTests: XCTestCase {
    private func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, file: StaticString = #filePath,
                             line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        let x = a.toArray(), y = b.toArray()
        let worst = zip(x, y).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "largest difference \(worst)", file: file, line: line)
    }

    func testRoundTripKeepsValues() {
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.uniform([2, 5, 7, 9], low: -1, high: 1, rng: &rng)
        XCTAssertEqual(BlockedActivation(x).tensor().toArray(), x.toArray())
    }

    func testConvolutionChainMatchesPlainConvolutions() {
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.uniform([2, 3, 12, 10], low: -1, high: 1, rng: &rng)
        let w1 = Tensor.uniform([20, 3, 3, 3], low: -0.5, high: 0.5, rng: &rng)
        let b1 = Tensor.uniform([20], low: -0.2, high: 0.2, rng: &rng)
        let w2 = Tensor.uniform([5, 20, 1, 1], low: -0.5, high: 0.5, rng: &rng)
        let plain = withNoGrad {
            Tensor.conv2d(Tensor.conv2d(x, weight: w1, bias: b1, padding: 1, relu: true), weight: w2, bias: nil)
        }
        let blocked = BlockedActivation(x).conv2d(weight: w1, bias: b1, padding: 1, relu: true)
            .conv2d(weight: w2, bias: nil, padding: 0, relu: false)
        XCTAssertEqual(blocked.shape, [2, 5, 12, 10])
        assertClose(blocked.tensor(), plain)
    }

    func testPoolingUpsamplingAndConcatMatchTensorOps() {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor.uniform([2, 6, 8, 10], low: -1, high: 1, rng: &rng)
        let b = Tensor.uniform([2, 19, 8, 10], low: -1, high: 1, rng: &rng)
        let pooled = BlockedActivation(a).pool2d(kind: .max, kernel: 2)
        assertClose(pooled.tensor(), Tensor.pool2d(a, kind: .max, kernel: 2), tolerance: 0)
        let up = pooled.upsampleNearest2d(scale: 2)
        assertClose(up.tensor(), Tensor.upsampleNearest2d(Tensor.pool2d(a, kind: .max, kernel: 2), scale: 2), tolerance: 0)
        let joined = BlockedActivation.concatChannels([BlockedActivation(a), BlockedActivation(b)])
        XCTAssertEqual(joined.shape, [2, 25, 8, 10])
        assertClose(joined.tensor(), Tensor.concat([a, b], axis: 1), tolerance: 0)
        let three = BlockedActivation.concatChannels([BlockedActivation(b), up, BlockedActivation(a)])
        assertClose(three.tensor(), Tensor.concat([b, up.tensor(), a], axis: 1), tolerance: 0)
    }

    /// Parts of whole channel blocks (16 and 32 channels) take the run-copying path.
    func testConcatOfWholeBlocksMatchesTensorConcat() {
        var rng = RandomGenerator(seed: 4)
        let a = Tensor.uniform([3, 32, 9, 11], low: -1, high: 1, rng: &rng)
        let b = Tensor.uniform([3, 16, 9, 11], low: -1, high: 1, rng: &rng)
        let joined = BlockedActivation.concatChannels([BlockedActivation(a), BlockedActivation(b), BlockedActivation(a)])
        XCTAssertEqual(joined.shape, [3, 80, 9, 11])
        assertClose(joined.tensor(), Tensor.concat([a, b, a], axis: 1), tolerance: 0)
    }

    /// bf16 is refused by name on a CPU without bf16 units and allowed with them.
    func testBF16IsRefusedWithoutBF16Units() {
        let avx2 = CPUFeatures(cpuinfo: "processor : 0\nflags : sse2 avx avx2 fma\n")
        let zen4 = CPUFeatures(cpuinfo: "processor : 0\nflags : avx2 fma avx512f avx512_bf16\n")
        XCTAssertNil(NumericPrecision.f32.unavailableReason(on: avx2))
        XCTAssertTrue(NumericPrecision.bf16.unavailableReason(on: avx2)?.contains("avx512_bf16") ?? false)
        XCTAssertNil(NumericPrecision.bf16.unavailableReason(on: zen4))
    }

    /// Where the CPU has bf16, a bf16 convolution chain stays within bf16's rounding of the
    /// f32 chain (8-bit mantissa: relative steps of 2^-8 on inputs and weights).
    func testBF16ChainIsCloseToF32WhereSupported() throws {
        try XCTSkipUnless(CPUFeatures.current().supportsBF16, "this CPU has no bf16 units")
        var rng = RandomGenerator(seed: 7)
        let x = Tensor.uniform([1, 16, 20, 24], low: 0, high: 1, rng: &rng)
        let w1 = Tensor.uniform([32, 16, 3, 3], low: -0.1, high: 0.1, rng: &rng)
        let w2 = Tensor.uniform([16, 48, 3, 3], low: -0.1, high: 0.1, rng: &rng)
        func run(_ p: NumericPrecision) -> [Float] {
            let a = BlockedActivation(x, precision: p)
            let h = a.conv2d(weight: w1, bias: nil, padding: 1, relu: true)
            let up = h.pool2d(kind: .max, kernel: 2).upsampleNearest2d(scale: 2)
            let joined = BlockedActivation.concatChannels([up, a])
            return joined.conv2d(weight: w2, bias: nil, padding: 1, relu: false, f32Output: true).tensor().toArray()
        }
        let exact = run(.f32), approx = run(.bf16)
        let scale = exact.map { abs($0) }.max() ?? 1
        let worst = zip(exact, approx).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst / scale, 0.02, "largest difference \(worst) of values up to \(scale)")
        XCTAssertGreaterThan(worst, 0, "bf16 must actually round")
    }
}
