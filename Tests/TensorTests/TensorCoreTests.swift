import XCTest
@testable import Tensor

/// Known-answer tests of the tensor core against naive loops.
final class TensorCoreTests: XCTestCase {
    /// The leading-axes fast path of `sum` gives the general path's values exactly.
    func testSumOverLeadingAxesMatchesGeneralPath() {
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.normal([3, 4, 5], rng: &rng)
        let general = x.permute([2, 0, 1]).sum(axes: [1, 2])  // not contiguous: general path
        XCTAssertEqual(x.sum(axes: [0, 1]).toArray(), general.toArray())
        XCTAssertEqual(x.sum(axes: [1, 0], keepDims: true).shape, [1, 1, 5])
        XCTAssertEqual(x.sum(axes: [0]).toArray(), x.permute([1, 2, 0]).sum(axes: [2]).toArray())
        let report = GradCheck.check([x]) { $0[0].sum(axes: [0, 1]) }
        XCTAssertTrue(report.passed, report.description)
    }

    func testBroadcastAddAndViews() {
        let a = Tensor(shape: [2, 3], [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], [10, 20, 30])
        XCTAssertEqual((a + b).toArray(), [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(a.transposed().toArray(), [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(a.slice(axis: 1, 1..<3).toArray(), [2, 3, 5, 6])
        XCTAssertEqual(a.sum(axes: [0]).toArray(), [5, 7, 9])
        XCTAssertEqual(a.max(axes: [1]).toArray(), [3, 6])
        XCTAssertEqual(Tensor.concat([a, b.reshape([1, 3])], axis: 0).toArray(), [1, 2, 3, 4, 5, 6, 10, 20, 30])
    }

    func testMatmulMatchesNaive() {
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.normal([2, 3, 5], rng: &rng), b = Tensor.normal([5, 4], rng: &rng)
        let c = a.matmul(b)
        for n in 0..<2 { for i in 0..<3 { for j in 0..<4 {
            var s: Float = 0
            for k in 0..<5 { s += a[n, i, k] * b[k, j] }
            XCTAssertEqual(c[n, i, j], s, accuracy: 1e-5)
        } } }
    }

    func testConvMatchesNaive() {
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.normal([1, 2, 5, 5], rng: &rng), w = Tensor.normal([3, 2, 3, 3], rng: &rng)
        let b = Tensor(shape: [3], [0.5, -1, 2])
        let y = Tensor.conv2d(x, weight: w, bias: b, stride: 2, padding: 1)
        XCTAssertEqual(y.shape, [1, 3, 3, 3])
        for o in 0..<3 { for i in 0..<3 { for j in 0..<3 {
            var s = b[o]
            for c in 0..<2 { for u in 0..<3 { for v in 0..<3 {
                let yy = i * 2 - 1 + u, xx = j * 2 - 1 + v
                if yy >= 0 && yy < 5 && xx >= 0 && xx < 5 { s += x[0, c, yy, xx] * w[o, c, u, v] }
            } } }
            XCTAssertEqual(y[0, o, i, j], s, accuracy: 1e-4)
        } } }
    }

    func testBatchNormUpdatesRunningStatsLikePyTorch() {
        let x = Tensor(shape: [2, 1, 1, 2], [1, 2, 3, 4])
        let rm = Tensor.zeros([1]), rv = Tensor.ones([1])
        let y = Tensor.batchNorm2d(x, weight: Tensor.ones([1]), bias: Tensor.zeros([1]), runningMean: rm, runningVar: rv,
                                   training: true, momentum: 0.1, eps: 0)
        // mean 2.5, biased var 1.25, unbiased 5/3
        XCTAssertEqual(rm.item, 0.25, accuracy: 1e-6)
        XCTAssertEqual(rv.item, 0.9 + 0.1 * 5 / 3, accuracy: 1e-6)
        XCTAssertEqual(y.toArray()[0], Float(-1.5 / 1.25.squareRoot()), accuracy: 1e-5)
    }

    func testNoGradRecordsNothing() {
        let w = Tensor.ones([3], requiresGrad: true)
        let y = withNoGrad { (w * 2).sum() }
        XCTAssertNil(y.gradFn)
        XCTAssertFalse(y.requiresGrad)
        let z = (w * w).sum()
        XCTAssertNotNil(z.gradFn)
        z.backward()
        XCTAssertEqual(w.grad?.toArray(), [2, 2, 2])
        XCTAssertNil(z.gradFn, "backward releases the graph")
    }

    func testGradientsAccumulateAcrossUses() {
        let x = Tensor(shape: [2], [1, 2], requiresGrad: true)
        let y = (x * x + x * 3).sum()
        y.backward()
        XCTAssertEqual(x.grad?.toArray(), [5, 7])
    }

    func testSeededRandomIsReproducible() {
        var r1 = RandomGenerator(seed: 9), r2 = RandomGenerator(seed: 9), r3 = RandomGenerator(seed: 10)
        let a = Tensor.normal([100], rng: &r1).toArray()
        XCTAssertEqual(a, Tensor.normal([100], rng: &r2).toArray())
        XCTAssertNotEqual(a, Tensor.normal([100], rng: &r3).toArray())
        let m = a.reduce(0, +) / 100
        XCTAssertEqual(m, 0, accuracy: 0.3)
    }

    func testSoftmaxRowsSumToOne() {
        let s = Tensor(shape: [2, 3], [1, 2, 3, 1000, 1000, 1000]).softmax().toArray()
        XCTAssertEqual(s[0] + s[1] + s[2], 1, accuracy: 1e-6)
        XCTAssertEqual(s[3], 1.0 / 3, accuracy: 1e-6)
    }
}

final class CPUFeaturesTests: XCTestCase {
    func testParsesFlags() {
        let f = CPUFeatures(cpuinfo: "processor\t: 0\nflags\t\t: fpu avx2 fma avx512_bf16\n")
        XCTAssertTrue(f.hasAVX2FMA)
        XCTAssertTrue(f.supportsBF16)
        XCTAssertFalse(CPUFeatures(cpuinfo: "flags\t\t: fpu avx2 fma\n").supportsBF16)
    }

    func testPeakFromClockAndWidestFMA() throws {
        let info = "processor\t: 0\ncpu MHz\t\t: 2445.402\nflags\t\t: fpu avx avx2 fma\nprocessor\t: 1\n"
        let f = CPUFeatures(cpuinfo: info)
        XCTAssertEqual(f.processors, 2)
        XCTAssertEqual(f.fp32FLOPsPerCycle, 32)
        XCTAssertEqual(try XCTUnwrap(f.peakFP32GFLOPS(cores: 2)), 2 * 2.445402 * 32, accuracy: 1e-9)
        XCTAssertEqual(CPUFeatures(cpuinfo: "flags\t: avx512f avx2 fma\n").fp32FLOPsPerCycle, 64)
        XCTAssertNil(CPUFeatures(cpuinfo: "flags\t: avx2 fma\n").peakFP32GFLOPS(cores: 1))
    }
}
