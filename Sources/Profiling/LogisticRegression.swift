import COpenBLAS
import Foundation

/// Multinomial logistic regression with an L2 penalty, fitted by L-BFGS: the classifier
/// behind the linear-probe MoA accuracy.
///
/// Objective, as scikit-learn's `LogisticRegression(C=c)` with the lbfgs solver (same
/// minimizer): mean over samples of -log softmax(W x + b)[y] + ||W||^2 / (2 c n); one
/// weight row per class, intercepts not penalized. The problem is strictly convex, so any
/// solver that converges finds the same model; ours stops when the largest gradient entry
/// falls below `tolerance` or after `maxIterations`.
public struct LogisticRegression: Sendable {
    public let classCount: Int
    public let featureCount: Int
    /// Row-major `classCount x featureCount`.
    public var weights: [Double]
    public var bias: [Double]

    /// Fits on `x` (row-major `n x d`) and labels `y` in `0..<classCount`.
    public init(x: [Double], n: Int, d: Int, y: [Int], classCount k: Int, c: Double = 1,
                maxIterations: Int = 2000, tolerance: Double = 1e-9) {
        precondition(x.count == n * d && y.count == n && n > 0)
        classCount = k
        featureCount = d
        let objective = { (theta: [Double]) -> (Double, [Double]) in
            Self.lossAndGradient(theta: theta, x: x, n: n, d: d, y: y, k: k, c: c)
        }
        let theta = LBFGS.minimize(objective, start: [Double](repeating: 0, count: k * (d + 1)),
                                   maxIterations: maxIterations, tolerance: tolerance)
        weights = Array(theta[0..<(k * d)])
        bias = Array(theta[(k * d)...])
    }

    /// Parameters `theta` = weights (k x d, row-major) then biases (k).
    static func lossAndGradient(theta: [Double], x: [Double], n: Int, d: Int, y: [Int], k: Int,
                                c: Double) -> (Double, [Double]) {
        var z = [Double](repeating: 0, count: n * k)
        theta.withUnsafeBufferPointer { t in
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(k), Int32(d),
                        1, x, Int32(d), t.baseAddress!, Int32(d), 0, &z, Int32(k))
        }
        var loss = 0.0
        var bGrad = [Double](repeating: 0, count: k)
        for i in 0..<n {
            var m = -Double.infinity
            for j in 0..<k { z[i * k + j] += theta[k * d + j]; m = max(m, z[i * k + j]) }
            var s = 0.0
            for j in 0..<k { s += exp(z[i * k + j] - m) }
            let logZ = m + log(s)
            loss += logZ - z[i * k + y[i]]
            // z becomes dLoss/dz = softmax - onehot, scaled by 1/n.
            for j in 0..<k {
                z[i * k + j] = (exp(z[i * k + j] - logZ) - (j == y[i] ? 1 : 0)) / Double(n)
                bGrad[j] += z[i * k + j]
            }
        }
        var grad = [Double](repeating: 0, count: k * d)
        let reg = 1 / (c * Double(n))
        for j in 0..<(k * d) { grad[j] = reg * theta[j] }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(d), Int32(n),
                    1, z, Int32(k), x, Int32(d), 1, &grad, Int32(d))
        var penalty = 0.0
        for j in 0..<(k * d) { penalty += theta[j] * theta[j] }
        return (loss / Double(n) + 0.5 * reg * penalty, grad + bGrad)
    }

    /// Class probabilities for one sample.
    public func probabilities(_ row: ArraySlice<Double>) -> [Double] {
        let r = Array(row)
        var z = (0..<classCount).map { j in
            (0..<featureCount).reduce(bias[j]) { $0 + weights[j * featureCount + $1] * r[$1] }
        }
        let m = z.max()!
        z = z.map { exp($0 - m) }
        let s = z.reduce(0, +)
        return z.map { $0 / s }
    }

    /// The most probable class (lowest index among ties).
    public func predict(_ row: ArraySlice<Double>) -> Int {
        let p = probabilities(row)
        return p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) }!
    }
}
