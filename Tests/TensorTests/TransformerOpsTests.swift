import XCTest
@testable import Tensor

/// Ops the vision transformer needs: dropout, GELU, batched matmul, layer norm, bicubic
/// resize matrices; finite-difference gradchecks plus known answers.
final class TransformerOpsTests: XCTestCase {
    var rng = RandomGenerator(seed: 11)

    func rand(_ shape: [Int]) -> Tensor { Tensor.uniform(shape, low: -1, high: 1, rng: &rng) }

    func assertGrad(_ inputs: [Tensor], _ f: @escaping ([Tensor]) -> Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let report = GradCheck.check(inputs, f)
        XCTAssertTrue(report.passed, report.description, file: file, line: line)
    }

    func testDropoutIsSeededScaledAndDifferentiable() {
        let x = Tensor.ones([1000])
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5), c = RandomGenerator(seed: 6)
        let ya = x.dropout(p: 0.25, rng: &a).toArray(), yb = x.dropout(p: 0.25, rng: &b).toArray()
        XCTAssertEqual(ya, yb, "same seed, same mask")
        XCTAssertNotEqual(ya, x.dropout(p: 0.25, rng: &c).toArray())
        XCTAssertTrue(ya.allSatisfy { $0 == 0 || Swift.abs($0 - 4 / 3) < 1e-6 })
        let dropped = ya.filter { $0 == 0 }.count
        XCTAssertTrue((200...300).contains(dropped), "dropped \(dropped) of 1000 at p=0.25")
        var z = RandomGenerator(seed: 1)
        XCTAssertTrue(x.dropout(p: 0, rng: &z) === x)
        // The gradient goes through the same mask: replaying the generator per evaluation.
        assertGrad([rand([3, 4])]) { t in var r = RandomGenerator(seed: 9); return t[0].dropout(p: 0.5, rng: &r) }
    }

    func testGELUKnownValuesAndGradient() {
        // torch.nn.functional.gelu([-2, -0.5, 0, 1, 3])
        let y = Tensor(shape: [5], [-2, -0.5, 0, 1, 3]).gelu().toArray()
        let ref: [Float] = [-0.04550028, -0.15426877, 0, 0.8413447, 2.9959502]
        for (u, v) in zip(y, ref) { XCTAssertEqual(u, v, accuracy: 1e-6) }
        assertGrad([rand([2, 5])]) { $0[0].gelu() }
    }

    func testBatchedMatmulRank4AndAttentionPattern() {
        let a = rand([2, 3, 4, 5]), b = rand([2, 3, 5, 2])
        let c = a.matmul(b)
        XCTAssertEqual(c.shape, [2, 3, 4, 2])
        var s: Float = 0
        for k in 0..<5 { s += a[1, 2, 3, k] * b[1, 2, k, 1] }
        XCTAssertEqual(c[1, 2, 3, 1], s, accuracy: 1e-5)
        assertGrad([rand([2, 2, 3, 4]), rand([2, 2, 5, 4])]) { $0[0].matmul($0[1].transposed()) }
        // q k^T softmax v with permuted views, as attention uses them.
        assertGrad([rand([2, 3, 2, 4])]) { t in
            let p = t[0].permute([0, 2, 1, 3])  // [2, 2, 3, 4]
            return p.matmul(p.transposed()).softmax().matmul(p)
        }
    }

    func testLayerNormLastAxisGradient() {
        assertGrad([rand([2, 3, 6]), Tensor.uniform([6], low: 0.5, high: 1.5, rng: &rng), rand([6])]) {
            Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-6)
        }
    }

    /// The fused row kernel behind layerNorm's backward against autograd through the same
    /// normalization written in broadcasting ops, on a shape large enough to split over
    /// threads and with a last axis that is not a multiple of the SIMD width.
    func testLayerNormFusedBackwardMatchesComposedOps() throws {
        let eps: Float = 1e-5
        func inputs() -> [Tensor] {
            var r = RandomGenerator(seed: 3)
            return [Tensor.normal([3, 100, 259], mean: 0.5, std: 2, rng: &r, requiresGrad: true),
                    Tensor.uniform([259], low: 0.5, high: 1.5, rng: &r, requiresGrad: true),
                    Tensor.uniform([259], low: -1, high: 1, rng: &r, requiresGrad: true)]
        }
        var r = RandomGenerator(seed: 4)
        let upstream = Tensor.normal([3, 100, 259], rng: &r)
        let fused = inputs()
        let yf = Tensor.layerNorm(fused[0], weight: fused[1], bias: fused[2], eps: eps)
        (yf * upstream).sum().backward()
        let composed = inputs()
        let x = composed[0], mu = x.mean(axes: [2], keepDims: true)
        let centred = x - mu
        let yc = centred * ((centred * centred).mean(axes: [2], keepDims: true) + eps).pow(-0.5) * composed[1] + composed[2]
        (yc * upstream).sum().backward()
        func maxDiff(_ a: Tensor, _ b: Tensor) -> Float { zip(a.toArray(), b.toArray()).map { Swift.abs($0 - $1) }.max() ?? 0 }
        XCTAssertLessThan(maxDiff(yf, yc), 1e-4)
        for i in 0..<3 {
            let gf = try XCTUnwrap(fused[i].grad), gc = try XCTUnwrap(composed[i].grad)
            let scale = gc.toArray().map { Swift.abs($0) }.max() ?? 1
            XCTAssertLessThan(maxDiff(gf, gc) / scale, 1e-4, "gradient of input \(i)")
        }
    }

    /// Softmax's row-split forward and fused backward against the same math in broadcasting
    /// ops, on attention-shaped rows numerous enough to split over threads.
    func testSelfAttentionGradient() {
        // 2 images, 3 tokens, 2 heads of 2: every strided sgemm operand is a real stride.
        assertGrad([rand([2, 3, 12])]) { Tensor.selfAttention(qkv: $0[0], heads: 2) }
    }

    func testSelfAttentionMatchesComposedOps() throws {
        // The fused op against timm's sequence of views and tensor ops, at ViT-tiny's
        // attention shape (37 tokens, 3 heads of 64) on two threads, values and gradients.
        Threads.setCount(2)
        var r = RandomGenerator(seed: 4)
        let (b, n, heads, hd) = (4, 37, 3, 64)
        let c = heads * hd
        let qkvValues = Tensor.normal([b, n, 3 * c], rng: &r).toArray(), upstream = Tensor.normal([b, n, c], rng: &r)
        let fusedIn = Tensor(shape: [b, n, 3 * c], qkvValues, requiresGrad: true)
        let fused = Tensor.selfAttention(qkv: fusedIn, heads: heads)
        (fused * upstream).sum().backward()
        let refIn = Tensor(shape: [b, n, 3 * c], qkvValues, requiresGrad: true)
        let t = refIn.reshape([b, n, 3, heads, hd]).permute([2, 0, 3, 1, 4])
        let q = t.slice(axis: 0, 0..<1), k = t.slice(axis: 0, 1..<2), v = t.slice(axis: 0, 2..<3)
        let attn = (q.matmul(k.transposed()) * (1 / Float(hd).squareRoot())).softmax()
        let ref = attn.matmul(v).permute([0, 1, 3, 2, 4]).reshape([b, n, c])
        (ref * upstream).sum().backward()
        XCTAssertEqual(fused.shape, ref.shape)
        let worst = zip(fused.toArray(), ref.toArray()).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5)
        let g = try XCTUnwrap(fusedIn.grad).toArray(), gref = try XCTUnwrap(refIn.grad).toArray()
        let worstGrad = zip(g, gref).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worstGrad, 1e-4)
        XCTAssertGreaterThan(g.map(abs).max()!, 1e-2, "gradients must not be trivially zero")
    }

    func testSoftmaxFusedBackwardMatchesComposedOps() throws {
        var r = RandomGenerator(seed: 8)
        let x = Tensor.normal([4, 3, 37, 37], std: 3, rng: &r, requiresGrad: true)
        let upstream = Tensor.normal([4, 3, 37, 37], rng: &r)
        let y = x.softmax()
        (y * upstream).sum().backward()
        let e = (x.detached() - x.detached().max(axes: [-1], keepDims: true)).exp()
        let ref = e / e.sum(axes: [-1], keepDims: true)
        let gy = upstream * ref
        let gref = gy - ref * gy.sum(axes: [-1], keepDims: true)
        let g = try XCTUnwrap(x.grad)
        for (a, b) in zip(y.toArray(), ref.toArray()) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for (a, b) in zip(g.toArray(), gref.toArray()) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testBicubicResizeMatrixMatchesTorchInterpolate() {
        // torch.nn.functional.interpolate(eye, mode='bicubic', align_corners=False) columns.
        let cases: [(Int, Int, [Float])] = [
            (3, 5, [1.0960001, -0.096, 0.0, 0.6119997, 0.46, -0.0719998, 0.0, 1.0, 0.0, -0.0719998, 0.4599998, 0.6120001,
                    0.0, -0.096, 1.0960002]),
            (4, 2, [0.5, 0.59375, -0.09375, 0.0, 0.0, -0.09375, 0.59375, 0.5]),
            (2, 7, [1.1106957, -0.1106958, 1.0461918, -0.0461919, 0.8097668, 0.1902336, 0.4999999, 0.5000001,
                    0.1902329, 0.8097668, -0.0461917, 1.0461916, -0.1106958, 1.1106957]),
        ]
        for (a, b, ref) in cases {
            let m = Tensor.bicubicResizeMatrix(from: a, to: b)
            XCTAssertEqual(m.shape, [b, a])
            for (u, v) in zip(m.toArray(), ref) { XCTAssertEqual(u, v, accuracy: 1e-5, "\(a)->\(b)") }
        }
        XCTAssertEqual(Tensor.bicubicResizeMatrix(from: 4, to: 4).toArray(), Tensor.eye(4).toArray())
    }
}

extension Tensor {
    static func eye(_ n: Int) -> Tensor {
        Tensor(shape: [n, n], (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 })
    }
}
