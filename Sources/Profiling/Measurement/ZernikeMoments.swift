import Foundation

/// Zernike moments of an object's shape up to degree 9, as CellProfiler computes them
/// (centrosome's `zernike`): the object's pixels are mapped into the unit disk of its
/// minimum enclosing circle and each feature is |sum V_nm| / (pi r^2).
enum ZernikeMoments {
    /// (n, m) with 0 <= m <= n <= 9 and n - m even, in centrosome's order.
    static let indexes: [(n: Int, m: Int)] = {
        var out: [(n: Int, m: Int)] = []
        for n in 0...9 { for m in stride(from: n % 2, through: n, by: 2) { out.append((n, m)) } }
        return out
    }()

    /// Coefficients of the radial polynomial in powers of r^2, highest power first.
    static let coefficients: [[Double]] = indexes.map { idx in
        func fact(_ k: Int) -> Double { k <= 1 ? 1 : (2...k).reduce(1.0) { $0 * Double($1) } }
        let (n, m) = idx
        return (0...((n - m) / 2)).map { k in
            (k % 2 == 0 ? 1.0 : -1.0) * fact(n - k) / (fact(k) * fact((n + m) / 2 - k) * fact((n - m) / 2 - k))
        }
    }

    static func shapeScores(_ object: ObjectMask) -> [Double] {
        let w = object.width
        let pts = ConvexHull.hull(ConvexHull.rowExtremes(object))
        let (cx, cy, r) = MinimumEnclosingCircle.of(pts.map { (Double($0.x), Double($0.y)) })
        var re = [Double](repeating: 0, count: indexes.count)
        var im = [Double](repeating: 0, count: indexes.count)
        for i in object.pixels {
            let ci = Int(i)
            // centrosome's convention: z = y + i x, y along rows.
            let ym = (Double(ci / w) - cy) / r, xm = (Double(ci % w) - cx) / r
            let r2 = xm * xm + ym * ym
            // Pixels on the circle count; cp-measure's strict test drops some by rounding.
            if !(r2 <= 1 + 1e-9) { continue }
            var pr = SIMD16<Double>(repeating: 0), pi = SIMD16<Double>(repeating: 0)
            pr[0] = 1
            for m in 1...9 {
                pr[m] = pr[m - 1] * ym - pi[m - 1] * xm
                pi[m] = pr[m - 1] * xm + pi[m - 1] * ym
            }
            for (k, idx) in indexes.enumerated() {
                var s = 0.0
                for c in coefficients[k] { s = s * r2 + c }
                re[k] += s * pr[idx.m]
                im[k] += s * pi[idx.m]
            }
        }
        let norm = Double.pi * r * r
        return (0..<indexes.count).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() / norm }
    }
}

/// Smallest circle containing a set of points (incremental Welzl construction, exact up to
/// rounding; deterministic in the input order).
enum MinimumEnclosingCircle {
    static func of(_ p: [(Double, Double)]) -> (x: Double, y: Double, r: Double) {
        guard let first = p.first else { return (0, 0, 0) }
        func inside(_ c: (Double, Double, Double), _ q: (Double, Double)) -> Bool {
            let dx = q.0 - c.0, dy = q.1 - c.1
            return (dx * dx + dy * dy).squareRoot() <= c.2 * (1 + 1e-12) + 1e-12
        }
        func two(_ a: (Double, Double), _ b: (Double, Double)) -> (Double, Double, Double) {
            let x = (a.0 + b.0) / 2, y = (a.1 + b.1) / 2
            return (x, y, ((a.0 - x) * (a.0 - x) + (a.1 - y) * (a.1 - y)).squareRoot())
        }
        func three(_ a: (Double, Double), _ b: (Double, Double), _ c: (Double, Double)) -> (Double, Double, Double) {
            let bx = b.0 - a.0, by = b.1 - a.1, cx = c.0 - a.0, cy = c.1 - a.1
            let d = 2 * (bx * cy - by * cx)
            if d == 0 {  // collinear: the farthest pair
                let cands = [two(a, b), two(a, c), two(b, c)]
                return cands.max { $0.2 < $1.2 }!
            }
            let ux = (cy * (bx * bx + by * by) - by * (cx * cx + cy * cy)) / d
            let uy = (bx * (cx * cx + cy * cy) - cx * (bx * bx + by * by)) / d
            return (a.0 + ux, a.1 + uy, (ux * ux + uy * uy).squareRoot())
        }
        var c = (first.0, first.1, 0.0)
        for i in 1..<max(p.count, 1) where !inside(c, p[i]) {
            c = (p[i].0, p[i].1, 0)
            for j in 0..<i where !inside(c, p[j]) {
                c = two(p[i], p[j])
                for k in 0..<j where !inside(c, p[k]) { c = three(p[i], p[j], p[k]) }
            }
        }
        return (c.0, c.1, c.2)
    }
}
