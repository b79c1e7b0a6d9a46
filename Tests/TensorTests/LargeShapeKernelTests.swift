import XCTest
@testable import Tensor

/// The kernels' paths that tiny gradcheck shapes never reach: per-channel SIMD loops split
/// over two OpenMP threads, and convolution/pooling on oneDNN's channel-blocked layouts with
/// many channels. Each is compared with an independent plain computation.
final class LargeShapeKernelTests: XCTestCase {
    var rng = RandomGenerator(seed: 7)

    override func setUp() { Threads.setCount(2) }

    func testBatchNormTrainingMatchesClosedFormOnTwoThreads() {
        // 4 x 16 x 30 x 30 = 57600 elements: two threads, and 900-long planes (SIMD body and tail).
        let x = Tensor.normal([4, 16, 30, 30], rng: &rng) * 3 + 1
        let w = Tensor.uniform([16], low: 0.5, high: 1.5, rng: &rng), b = Tensor.uniform([16], low: -1, high: 1, rng: &rng)
        let xv = x.toArray(), wv = w.toArray(), bv = b.toArray(), gv = Tensor.normal([4, 16, 30, 30], rng: &rng).toArray()
        let xl = Tensor(shape: x.shape, xv, requiresGrad: true)
        let wl = Tensor(shape: [16], wv, requiresGrad: true), bl = Tensor(shape: [16], bv, requiresGrad: true)
        let y = Tensor.batchNorm2d(xl, weight: wl, bias: bl, runningMean: nil, runningVar: nil, training: true, eps: 1e-5)
        y.backward(Tensor(shape: x.shape, gv))
        let yv = y.toArray(), gx = xl.grad!.toArray(), gw = wl.grad!.toArray(), gb = bl.grad!.toArray()
        let n = 4 * 900
        for c in 0..<16 {
            let idx = (0..<4).flatMap { i in (0..<900).map { (i * 16 + c) * 900 + $0 } }
            let mean = idx.reduce(0.0) { $0 + Double(xv[$1]) } / Double(n)
            let variance = idx.reduce(0.0) { $0 + (Double(xv[$1]) - mean) * (Double(xv[$1]) - mean) } / Double(n)
            let inv = 1 / (variance + 1e-5).squareRoot()
            var sg = 0.0, sgx = 0.0
            for i in idx { sg += Double(gv[i]); sgx += Double(gv[i]) * (Double(xv[i]) - mean) * inv }
            XCTAssertEqual(Double(gb[c]), sg, accuracy: 1e-2)
            XCTAssertEqual(Double(gw[c]), sgx, accuracy: 1e-2)
            for i in idx.prefix(50) + idx.suffix(50) {
                let xhat = (Double(xv[i]) - mean) * inv
                XCTAssertEqual(Double(yv[i]), xhat * Double(wv[c]) + Double(bv[c]), accuracy: 1e-4)
                let ref = Double(wv[c]) * inv * (Double(gv[i]) - sg / Double(n) - xhat * sgx / Double(n))
                XCTAssertEqual(Double(gx[i]), ref, accuracy: 1e-4)
            }
        }
    }

    func testFusedBatchNormReLUMatchesBatchNormThenReLU() {
        // The fused pass against the two ops it replaces, both modes: same values exactly
        // (same arithmetic) and the same gradients up to the one-pass sums' rounding.
        // 3 x 16 x 29 x 29: two threads and 841-long planes (SIMD body and a 1-element tail).
        let shape = [3, 16, 29, 29]
        let xv = (Tensor.normal(shape, rng: &rng) * 2 + 0.3).toArray(), gv = Tensor.normal(shape, rng: &rng).toArray()
        let wv = Tensor.uniform([16], low: -1.5, high: 1.5, rng: &rng).toArray(), bv = Tensor.uniform([16], low: -1, high: 1, rng: &rng).toArray()
        func run(_ fused: Bool, training: Bool) -> [Tensor] {
            let x = Tensor(shape: shape, xv, requiresGrad: true)
            let w = Tensor(shape: [16], wv, requiresGrad: true), b = Tensor(shape: [16], bv, requiresGrad: true)
            let rm = Tensor.uniform([16], low: -0.5, high: 0.5, rng: &rng), rv = Tensor.uniform([16], low: 0.5, high: 2, rng: &rng)
            let bn = { (relu: Bool) in
                Tensor.batchNorm2d(x, weight: w, bias: b, runningMean: rm, runningVar: rv, training: training, relu: relu)
            }
            let y = fused ? bn(true) : bn(false).relu()
            y.backward(Tensor(shape: shape, gv))
            let inference = withNoGrad { fused ? bn(true) : bn(false).relu() }
            return [y, x.grad!, w.grad!, b.grad!, inference]
        }
        for training in [true, false] {
            rng = RandomGenerator(seed: 11)
            let plain = run(false, training: training)
            rng = RandomGenerator(seed: 11)
            let fused = run(true, training: training)
            XCTAssertEqual(fused[0].toArray(), plain[0].toArray(), "forward, training \(training)")
            XCTAssertEqual(fused[4].toArray(), plain[4].toArray(), "no-grad forward, training \(training)")
            XCTAssertGreaterThan(plain[0].toArray().filter { $0 == 0 }.count, shape.reduce(1, *) / 5, "the ReLU must cut")
            assertClose(fused[1], plain[1], 1e-4)
            assertClose(fused[2], plain[2], 2e-2)
            assertClose(fused[3], plain[3], 2e-2)
        }
    }

    func testConvolutionWithManyChannelsMatchesIm2colMatmul() {
        // 16 -> 24 channels, stride 2: oneDNN's blocked JIT kernels; checked against an
        // im2col + matmul convolution built from tensor ops, values and gradients.
        let x = Tensor.normal([2, 16, 9, 9], rng: &rng, requiresGrad: true)
        let w = Tensor.normal([24, 16, 3, 3], rng: &rng, requiresGrad: true)
        let y = Tensor.conv2d(x, weight: w, stride: 2, padding: 1)
        let g = Tensor.normal(y.shape, rng: &rng)
        y.backward(g)
        let x2 = x.detached(), w2 = w.detached()
        x2.requiresGrad = true; w2.requiresGrad = true
        let ref = im2colConv(x2, w2, stride: 2, padding: 1)
        ref.backward(g)
        assertClose(y, ref, 1e-3)
        assertClose(x.grad!, x2.grad!, 1e-3)
        assertClose(w.grad!, w2.grad!, 1e-3)
    }

    func testMaxPoolWithManyChannelsMatchesNaive() {
        let x = Tensor.normal([2, 12, 7, 7], rng: &rng, requiresGrad: true)
        let y = Tensor.pool2d(x, kind: .max, kernel: 3, stride: 2, padding: 1)
        XCTAssertEqual(y.shape, [2, 12, 4, 4])
        for n in 0..<2 { for c in 0..<12 { for i in 0..<4 { for j in 0..<4 {
            var m = -Float.infinity
            for u in 0..<3 { for v in 0..<3 {
                let yy = i * 2 - 1 + u, xx = j * 2 - 1 + v
                if yy >= 0 && yy < 7 && xx >= 0 && xx < 7 { m = Swift.max(m, x[n, c, yy, xx]) }
            } }
            XCTAssertEqual(y[n, c, i, j], m)
        } } } }
        y.sum().backward()
        // Each output's gradient lands on its argmax: the input gradient sums to the output count.
        XCTAssertEqual(x.grad!.sum().item, Float(y.count), accuracy: 1e-3)
    }

    func testRowBroadcastBothOrdersMatchElementwise() {
        // 300 x 200 rows against a 200 bias row: the split-over-rows fast path, both operand orders.
        let a = Tensor.normal([300, 200], rng: &rng), b = Tensor.normal([1, 200], rng: &rng)
        let av = a.toArray(), bv = b.toArray()
        let sum = (a + b).toArray(), diff = (b - a).toArray()
        for i in stride(from: 0, to: av.count, by: 997) {
            XCTAssertEqual(sum[i], av[i] + bv[i % 200])
            XCTAssertEqual(diff[i], bv[i % 200] - av[i])
        }
    }

    func testLeadingAxisBroadcastBothOrdersMatchElementwise() {
        // [64, 30, 3, 3] against a per-channel [64, 1, 1, 1]: the per-row-scalar fast path,
        // both operand orders, split over two threads; a [64, 30, 1, 1] operand too.
        Threads.setCount(2)
        let a = Tensor.normal([64, 30, 3, 3], rng: &rng), s = Tensor.normal([64, 1, 1, 1], rng: &rng)
        let t = Tensor.normal([64, 30, 1, 1], rng: &rng)
        let av = a.toArray(), sv = s.toArray(), tv = t.toArray()
        let prod = (a * s).toArray(), quot = (s / a).toArray(), sum = (a + t).toArray()
        for i in av.indices {
            XCTAssertEqual(prod[i], av[i] * sv[i / 270])
            XCTAssertEqual(quot[i], sv[i / 270] / av[i])
            XCTAssertEqual(sum[i], av[i] + tv[i / 9])
        }
        XCTAssertNil(Tensor.leadingRun([1, 30, 1, 1], of: [64, 30, 3, 3]))
        XCTAssertNil(Tensor.leadingRun([64, 30, 3, 3], of: [64, 30, 3, 3]))
    }

    func testGELUAndReLUOnLargeTensorMatchScalarFormulas() {
        let x0 = Tensor.normal([70_000], rng: &rng, requiresGrad: true)
        let x = x0 * 3
        let y = x.gelu(), r = x.relu()
        (y.sum() + r.sum()).backward()
        let xv = x.toArray(), yv = y.toArray(), rv = r.toArray(), gv = x0.grad!.toArray()
        for i in stride(from: 0, to: xv.count, by: 113) {
            let v = Double(xv[i])
            let cdf = 0.5 * (1 + erf(v / 2.0.squareRoot())), pdf = exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(Double(yv[i]), v * cdf, accuracy: 1e-5 * Swift.max(1, Swift.abs(v)))
            XCTAssertEqual(Double(gv[i]), 3 * (cdf + v * pdf + (v > 0 ? 1 : 0)), accuracy: 1e-4 * Swift.max(1, Swift.abs(v)))
            XCTAssertEqual(rv[i], Swift.max(xv[i], 0))
        }
    }

    private func im2colConv(_ x: Tensor, _ w: Tensor, stride: Int, padding: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, k) = (w.shape[0], w.shape[2])
        let oh = (h + 2 * padding - k) / stride + 1, ow = (wd + 2 * padding - k) / stride + 1
        // Zero-pad by concatenation, then gather each kernel offset's strided window.
        let zr = Tensor.zeros([n, c, padding, wd]), xp0 = Tensor.concat([zr, x, zr], axis: 2)
        let zc = Tensor.zeros([n, c, h + 2 * padding, padding]), xp = Tensor.concat([zc, xp0, zc], axis: 3)
        var cols: [Tensor] = []
        for u in 0..<k { for v in 0..<k {
            let rows = (0..<oh).map { u + $0 * stride }, colsIdx = (0..<ow).map { v + $0 * stride }
            let win = xp.permute([2, 0, 1, 3]).indexSelect(rows).permute([1, 2, 0, 3])  // n, c, oh, W
            let win2 = win.permute([3, 0, 1, 2]).indexSelect(colsIdx).permute([1, 2, 3, 0])  // n, c, oh, ow
            cols.append(win2.reshape([n, c, 1, oh * ow]))
        } }
        let patches = Tensor.concat(cols, axis: 2).reshape([n, c * k * k, oh * ow])  // (c, u, v) order as OIHW
        return w.reshape([o, c * k * k]).matmul(patches).reshape([n, o, oh, ow])
    }

    private func assertClose(_ a: Tensor, _ b: Tensor, _ tol: Float, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        let av = a.toArray(), bv = b.toArray()
        let worst = zip(av, bv).map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tol, "max abs difference \(worst)", file: file, line: line)
    }
}
