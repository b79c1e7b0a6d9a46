/// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4/7.5) with a backtracking Armijo
/// line search: enough for the small smooth convex problems of profiling (the linear
/// probe), deterministic, no allocation beyond the history.
public enum LBFGS {
    /// Minimizes `f` (returning value and gradient) from `start`. Stops when the largest
    /// gradient entry is below `tolerance`, when a line search cannot decrease `f`, or
    /// after `maxIterations`.
    public static func minimize(_ f: ([Double]) -> (Double, [Double]), start: [Double],
                                maxIterations: Int = 1000, tolerance: Double = 1e-9,
                                memory: Int = 10) -> [Double] {
        var x = start
        var (fx, g) = f(x)
        var sHist: [[Double]] = [], yHist: [[Double]] = [], rhoHist: [Double] = []
        for _ in 0..<maxIterations {
            if g.reduce(0, { max($0, abs($1)) }) < tolerance { break }
            // Two-loop recursion: direction = -H g.
            var q = g
            var alpha = [Double](repeating: 0, count: sHist.count)
            for i in stride(from: sHist.count - 1, through: 0, by: -1) {
                alpha[i] = rhoHist[i] * dot(sHist[i], q)
                axpy(-alpha[i], yHist[i], &q)
            }
            if let s = sHist.last, let y = yHist.last {
                let gamma = dot(s, y) / dot(y, y)
                for i in q.indices { q[i] *= gamma }
            } else {
                let norm = dot(g, g).squareRoot()
                for i in q.indices { q[i] /= max(norm, 1) }
            }
            for i in sHist.indices {
                let beta = rhoHist[i] * dot(yHist[i], q)
                axpy(alpha[i] - beta, sHist[i], &q)
            }
            var dir = q.map { -$0 }
            var slope = dot(g, dir)
            if slope >= 0 {  // not a descent direction: restart from steepest descent
                sHist.removeAll(); yHist.removeAll(); rhoHist.removeAll()
                dir = g.map { -$0 }
                slope = -dot(g, g)
            }
            var step = 1.0
            var accepted = false
            var xNew = x, fNew = fx, gNew = g
            for _ in 0..<60 {
                for i in x.indices { xNew[i] = x[i] + step * dir[i] }
                (fNew, gNew) = f(xNew)
                if fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            let s = zip(xNew, x).map { $0 - $1 }
            let y = zip(gNew, g).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                sHist.append(s); yHist.append(y); rhoHist.append(1 / sy)
                if sHist.count > memory { sHist.removeFirst(); yHist.removeFirst(); rhoHist.removeFirst() }
            }
            let decrease = fx - fNew
            x = xNew; fx = fNew; g = gNew
            if decrease <= 1e-16 * max(abs(fx), 1) && g.reduce(0, { max($0, abs($1)) }) < tolerance * 1e3 { break }
        }
        return x
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        for i in y.indices { y[i] += a * x[i] }
    }
}
