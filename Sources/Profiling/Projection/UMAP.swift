import Core
import Foundation
import COpenBLAS

/// Uniform Manifold Approximation and Projection (McInnes, Healy & Melville 2018), following
/// the reference implementation (umap-learn) step by step:
/// 1. the exact k-NN graph (`NeighborGraph`);
/// 2. per point, `rho` (distance to the nearest neighbour) and `sigma` (binary search so the
///    memberships sum to log2 k): the fuzzy simplicial set, symmetrized by fuzzy union;
/// 3. spectral initialisation from the normalized graph Laplacian;
/// 4. stochastic gradient descent of the fuzzy cross-entropy with negative sampling, with the
///    `a`, `b` of the low-dimensional similarity fitted to `minDist` and `spread`.
/// Single-threaded SGD with a seeded generator, so a seed gives one answer.
public struct UMAP: Sendable {
    public var neighbors = 15
    public var components = 2
    public var minDist: Float = 0.1
    public var spread: Float = 1
    public var negativeSampleRate = 5
    public var learningRate: Float = 1
    /// 0: 500 epochs up to 10,000 points, 200 above (as umap-learn).
    public var epochs = 0
    public var distance: NeighborGraph.Distance = .euclidean
    public var seed: UInt64 = 42

    public init() {}

    /// Embeds `count` rows of `data` (row-major, `dimension` columns); returns
    /// `count x components` coordinates, row-major.
    /// `stageTimes`, when given, is told each stage's name and wall seconds as it ends
    /// (k-NN graph, fuzzy set, spectral init, SGD layout), for benchmarks.
    public func fit(_ data: [Float], count n: Int, dimension d: Int,
                    stageTimes: ((String, Double) -> Void)? = nil) -> [Float] {
        precondition(n > neighbors, "UMAP needs more points than neighbours")
        var clock = Date()
        func lap(_ name: String) {
            guard let stageTimes else { return }
            let now = Date()
            stageTimes(name, now.timeIntervalSince(clock))
            clock = now
        }
        let graph = NeighborGraph(data: data, count: n, dimension: d, k: neighbors, distance: distance)
        lap("knn")
        let w = fuzzySimplicialSet(graph)
        lap("fuzzy_set")
        var rng = SeededRandom(seed: seed)
        var embedding = spectralLayout(w, count: n, rng: &rng)
        lap("spectral")
        let nEpochs = epochs > 0 ? epochs : (n <= 10_000 ? 500 : 200)
        let (a, b) = UMAP.fitAB(spread: spread, minDist: minDist)
        optimize(&embedding, graph: w, count: n, epochs: nEpochs, a: a, b: b, rng: &rng)
        lap("layout")
        return embedding
    }

    // MARK: fuzzy simplicial set

    /// A symmetric sparse graph as a list of directed edges (both directions present).
    struct Edges {
        var head: [Int32] = []
        var tail: [Int32] = []
        var weight: [Float] = []
    }

    func fuzzySimplicialSet(_ g: NeighborGraph) -> Edges {
        let n = g.count, k = g.k
        let target = log2(Float(k))
        var rho = [Float](repeating: 0, count: n), sigma = [Float](repeating: 0, count: n)
        let meanAll = g.distances.reduce(0, +) / Float(g.distances.count)
        for i in 0..<n {
            let row = Array(g.distances[(i * k)..<((i + 1) * k)])
            rho[i] = row.first { $0 > 0 } ?? 0
            var lo: Float = 0, hi = Float.infinity, mid: Float = 1
            for _ in 0..<64 {
                var psum: Float = 0
                for j in 1..<k {
                    let dd = row[j] - rho[i]
                    psum += dd > 0 ? exp(-dd / mid) : 1
                }
                if abs(psum - target) < 1e-5 { break }
                if psum > target { hi = mid; mid = (lo + hi) / 2 } else {
                    lo = mid; mid = hi == .infinity ? mid * 2 : (lo + hi) / 2
                }
            }
            let meanRow = row.reduce(0, +) / Float(k)
            sigma[i] = max(mid, 1e-3 * (rho[i] > 0 ? meanRow : meanAll))
        }
        // Directed memberships, then the fuzzy union A + A^T - A * A^T.
        var directed: [Int: Float] = [:]
        directed.reserveCapacity(n * k)
        for i in 0..<n {
            for j in 0..<k {
                let t = Int(g.indices[i * k + j])
                guard t != i else { continue }
                let dd = g.distances[i * k + j] - rho[i]
                let v: Float = dd <= 0 || sigma[i] == 0 ? 1 : exp(-dd / sigma[i])
                directed[i * n + t] = v
            }
        }
        var sym: [Int: Float] = [:]
        sym.reserveCapacity(directed.count * 2)
        for (key, v) in directed {
            let i = key / n, t = key % n
            let u = directed[t * n + i] ?? 0
            let s = v + u - v * u
            sym[i * n + t] = s
            sym[t * n + i] = s
        }
        var e = Edges()
        for key in sym.keys.sorted() where sym[key]! > 0 {
            e.head.append(Int32(key / n)); e.tail.append(Int32(key % n)); e.weight.append(sym[key]!)
        }
        return e
    }

    // MARK: spectral initialisation

    /// The eigenvectors of the normalized adjacency D^-1/2 W D^-1/2 with the largest
    /// eigenvalues after the trivial one (equivalently the smallest of the normalized
    /// Laplacian), by subspace iteration with Rayleigh-Ritz; scaled to [-10, 10] plus a
    /// little noise, as umap-learn does. Falls back to random coordinates where the graph
    /// gives no usable spectrum.
    func spectralLayout(_ e: Edges, count n: Int, rng: inout SeededRandom) -> [Float] {
        let dim = components
        var degree = [Double](repeating: 0, count: n)
        for (h, w) in zip(e.head, e.weight) { degree[Int(h)] += Double(w) }
        let invSqrt = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        let trivial: [Double] = { let v = degree.map { $0.squareRoot() }; let s = v.reduce(0) { $0 + $1 * $1 }.squareRoot(); return v.map { $0 / s } }()
        let block = dim + 4
        // Row-major n x block, so one pass over the edges updates every column at once.
        var v = [Double](repeating: 0, count: n * block)
        for i in 0..<v.count { v[i] = rng.uniformDouble() - 0.5 }
        // (I + D^-1/2 W D^-1/2) / 2: shifted so every eigenvalue is in [0, 1].
        let m = e.head.count
        var normalized = [Double](repeating: 0, count: m)
        for idx in 0..<m {
            normalized[idx] = 0.5 * Double(e.weight[idx]) * invSqrt[Int(e.head[idx])] * invSqrt[Int(e.tail[idx])]
        }
        func multiply(_ x: [Double]) -> [Double] {
            var y = x.map { $0 * 0.5 }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    normalized.withUnsafeBufferPointer { wp in
                        e.head.withUnsafeBufferPointer { hp in
                            e.tail.withUnsafeBufferPointer { tp in
                                for idx in 0..<m {
                                    let h = Int(hp[idx]) * block, t = Int(tp[idx]) * block, w = wp[idx]
                                    for c in 0..<block { yp[h + c] += w * xp[t + c] }
                                }
                            }
                        }
                    }
                }
            }
            return y
        }
        // Orthonormalize against the trivial eigenvector by Cholesky QR, twice (CholeskyQR2):
        // a few passes over the n x block matrix instead of Gram-Schmidt's one pass per pair
        // of columns, which at 100k points made the spectral stage memory-bound.
        // Gram-Schmidt below stays as the fallback for a numerically rank-deficient block.
        func orthonormalize(_ x: inout [Double]) {
            x.withUnsafeMutableBufferPointer { xp in
                var dots = [Double](repeating: 0, count: block)
                for i in 0..<n { let t = trivial[i]; for c in 0..<block { dots[c] += xp[i * block + c] * t } }
                for i in 0..<n { let t = trivial[i]; for c in 0..<block { xp[i * block + c] -= dots[c] * t } }
            }
            if !(choleskyQR(&x) && choleskyQR(&x)) { gramSchmidt(&x) }
        }
        /// X <- X R^-1 where X^T X = R^T R; false (X untouched) when X^T X is not positive definite.
        func choleskyQR(_ x: inout [Double]) -> Bool {
            var g = [Double](repeating: 0, count: block * block)
            x.withUnsafeBufferPointer { xp in
                for i in 0..<n {
                    let row = i * block
                    for a in 0..<block { let va = xp[row + a]; for b in a..<block { g[a * block + b] += va * xp[row + b] } }
                }
            }
            // Upper-triangular R, row-major, from G = R^T R.
            var r = [Double](repeating: 0, count: block * block)
            for a in 0..<block {
                var diag = g[a * block + a]
                for k in 0..<a { diag -= r[k * block + a] * r[k * block + a] }
                guard diag > 1e-10 * max(1, g[a * block + a]) else { return false }
                r[a * block + a] = diag.squareRoot()
                for b in (a + 1)..<max(a + 1, block) {
                    var v = g[a * block + b]
                    for k in 0..<a { v -= r[k * block + a] * r[k * block + b] }
                    r[a * block + b] = v / r[a * block + a]
                }
            }
            // Each row y of X R^-1 solves y R = x (forward substitution over columns).
            x.withUnsafeMutableBufferPointer { xp in
                for i in 0..<n {
                    let row = i * block
                    for b in 0..<block {
                        var v = xp[row + b]
                        for k in 0..<b { v -= xp[row + k] * r[k * block + b] }
                        xp[row + b] = v / r[b * block + b]
                    }
                }
            }
            return true
        }
        func gramSchmidt(_ x: inout [Double]) {
            x.withUnsafeMutableBufferPointer { xp in
                for c in 0..<block {
                    // Against the trivial eigenvector and the previous columns (twice, for stability).
                    for _ in 0..<2 {
                        var dot = 0.0
                        for i in 0..<n { dot += xp[i * block + c] * trivial[i] }
                        for i in 0..<n { xp[i * block + c] -= dot * trivial[i] }
                        for p in 0..<c {
                            var d2 = 0.0
                            for i in 0..<n { d2 += xp[i * block + c] * xp[i * block + p] }
                            for i in 0..<n { xp[i * block + c] -= d2 * xp[i * block + p] }
                        }
                    }
                    var norm = 0.0
                    for i in 0..<n { norm += xp[i * block + c] * xp[i * block + c] }
                    norm = norm.squareRoot()
                    if norm > 0 { for i in 0..<n { xp[i * block + c] /= norm } }
                }
            }
        }
        orthonormalize(&v)
        for _ in 0..<min(300, 20 + n / 50) {
            v = multiply(v)
            orthonormalize(&v)
        }
        // Rayleigh-Ritz: eigenvectors of V^T S V order the block's directions.
        let sv = multiply(v)
        var h = [Double](repeating: 0, count: block * block)
        for a in 0..<block { for b in 0..<block {
            var s = 0.0
            for i in 0..<n { s += v[i * block + a] * sv[i * block + b] }
            h[a * block + b] = s
        } }
        var evals = [Double](repeating: 0, count: block)
        var info: Int32 = 0
        var nn = Int32(block), lwork: Int32 = -1, liwork: Int32 = -1, wq = 0.0, iwq: Int32 = 0
        dsyevd_("V", "U", &nn, &h, &nn, &evals, &wq, &lwork, &iwq, &liwork, &info)
        lwork = Int32(wq); liwork = iwq
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_("V", "U", &nn, &h, &nn, &evals, &work, &lwork, &iwork, &liwork, &info)
        var out = [Float](repeating: 0, count: n * dim)
        if info == 0 {
            // Largest eigenvalues last; each Ritz vector is V times a column of h.
            for c in 0..<dim {
                let col = block - 1 - c
                for i in 0..<n {
                    var s = 0.0
                    for a in 0..<block { s += v[i * block + a] * h[col * block + a] }
                    out[i * dim + c] = Float(s)
                }
            }
        }
        let maxAbs = out.map { abs($0) }.max() ?? 0
        if !(maxAbs > 0) || maxAbs.isNaN {
            for i in 0..<out.count { out[i] = Float(rng.uniformDouble() * 20 - 10) }
            return out
        }
        let expansion = 10 / maxAbs
        for i in 0..<out.count { out[i] = out[i] * expansion + Float(rng.uniformDouble() - 0.5) * 1e-4 }
        return out
    }

    // MARK: layout optimisation

    func optimize(_ y: inout [Float], graph e: Edges, count n: Int, epochs: Int, a: Float, b: Float, rng: inout SeededRandom) {
        let dim = components
        // Rescale each coordinate to [0, 10], as umap-learn does before optimising.
        for c in 0..<dim {
            var lo = Float.infinity, hi = -Float.infinity
            for i in 0..<n { lo = min(lo, y[i * dim + c]); hi = max(hi, y[i * dim + c]) }
            let span = hi - lo > 0 ? hi - lo : 1
            for i in 0..<n { y[i * dim + c] = 10 * (y[i * dim + c] - lo) / span }
        }
        let maxW = e.weight.max() ?? 1
        // Drop edges too weak to be sampled even once.
        var head: [Int32] = [], tail: [Int32] = [], perSample: [Float] = []
        for i in 0..<e.weight.count where e.weight[i] >= maxW / Float(epochs) {
            head.append(e.head[i]); tail.append(e.tail[i]); perSample.append(maxW / e.weight[i])
        }
        var nextSample = perSample
        let perNegative = perSample.map { $0 / Float(negativeSampleRate) }
        var nextNegative = perNegative
        let clip: (Float) -> Float = { max(-4, min(4, $0)) }
        y.withUnsafeMutableBufferPointer { yp in
            for epoch in 0..<epochs {
                let alpha = learningRate * (1 - Float(epoch) / Float(epochs))
                let ef = Float(epoch)
                for i in 0..<head.count where nextSample[i] <= ef {
                    let j = Int(head[i]) * dim, k = Int(tail[i]) * dim
                    var d2: Float = 0
                    for c in 0..<dim { let t = yp[j + c] - yp[k + c]; d2 += t * t }
                    if d2 > 0 {
                        let p = pow(d2, b)   // d2^(b-1) = d2^b / d2: one pow instead of two
                        let coeff = -2 * a * b * (p / d2) / (a * p + 1)
                        for c in 0..<dim {
                            let g = clip(coeff * (yp[j + c] - yp[k + c])) * alpha
                            yp[j + c] += g
                            yp[k + c] -= g
                        }
                    }
                    nextSample[i] += perSample[i]
                    let negatives = Int((ef - nextNegative[i]) / perNegative[i])
                    for _ in 0..<max(0, negatives) {
                        let other = Int(rng.next() % UInt64(n)) * dim
                        if other == j { continue }
                        var dn: Float = 0
                        for c in 0..<dim { let t = yp[j + c] - yp[other + c]; dn += t * t }
                        let coeff: Float = dn > 0 ? 2 * b / ((0.001 + dn) * (a * pow(dn, b) + 1)) : 0
                        for c in 0..<dim {
                            let g: Float = coeff > 0 ? clip(coeff * (yp[j + c] - yp[other + c])) : 4
                            yp[j + c] += g * alpha
                        }
                    }
                    nextNegative[i] += Float(max(0, negatives)) * perNegative[i]
                }
            }
        }
    }

    /// Fits `a`, `b` of 1 / (1 + a d^(2b)) to the curve that is 1 up to `minDist` and decays
    /// as exp(-(d - minDist) / spread) after (umap-learn's `find_ab_params`), by
    /// Levenberg-Marquardt on 300 points over [0, 3 spread].
    public static func fitAB(spread: Float, minDist: Float) -> (Float, Float) {
        let xs = (0..<300).map { Double($0) * 3 * Double(spread) / 299 }
        let ys = xs.map { $0 < Double(minDist) ? 1 : exp(-($0 - Double(minDist)) / Double(spread)) }
        var a = 1.0, b = 1.0, lambda = 1e-3
        func loss(_ a: Double, _ b: Double) -> Double {
            zip(xs, ys).reduce(0) { s, p in let f = 1 / (1 + a * pow(p.0, 2 * b)); return s + (f - p.1) * (f - p.1) }
        }
        var current = loss(a, b)
        for _ in 0..<200 {
            var jtj = [0.0, 0.0, 0.0], jtr = [0.0, 0.0]
            for (x, y) in zip(xs, ys) where x > 0 {
                let p = pow(x, 2 * b), f = 1 / (1 + a * p)
                let da = -p * f * f, db = -a * p * 2 * log(x) * f * f
                let r = f - y
                jtj[0] += da * da; jtj[1] += da * db; jtj[2] += db * db
                jtr[0] += da * r; jtr[1] += db * r
            }
            let m00 = jtj[0] * (1 + lambda), m11 = jtj[2] * (1 + lambda), m01 = jtj[1]
            let det = m00 * m11 - m01 * m01
            guard det != 0 else { break }
            let sa = (m11 * jtr[0] - m01 * jtr[1]) / det, sb = (m00 * jtr[1] - m01 * jtr[0]) / det
            let (na, nb) = (a - sa, b - sb)
            let l = loss(na, nb)
            if l < current {
                if current - l < 1e-14 { a = na; b = nb; break }
                a = na; b = nb; current = l; lambda *= 0.3
            } else { lambda *= 10 }
        }
        return (Float(a), Float(b))
    }
}
