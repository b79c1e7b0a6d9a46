/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): for every
/// non-zero pixel of `mask`, the distance to the nearest zero pixel; zero pixels get 0.
/// Matches `scipy.ndimage.distance_transform_edt`. With no zero pixel at all, every
/// distance is infinite.
public func euclideanDistanceTransform<P: BinaryInteger>(_ mask: Image<P>) -> Image<Float> {
    let w = mask.width, h = mask.height
    let inf = Float.greatestFiniteMagnitude
    var sq = mask.pixels.map { $0 == 0 ? Float(0) : inf }
    let n = max(w, h)
    var f = [Float](repeating: 0, count: n), d = f
    var v = [Int](repeating: 0, count: n), z = [Float](repeating: 0, count: n + 1)
    // Lower envelope of parabolas rooted at each sample of f, evaluated at every position.
    func transform1D(_ count: Int) {
        var k = 0
        v[0] = 0; z[0] = -.infinity; z[1] = .infinity
        if count > 1 {
            for q in 1..<count {
                guard f[q] < inf else { continue }
                if f[v[0]] >= inf { v[0] = q; k = 0; z[0] = -.infinity; z[1] = .infinity; continue }
                var s: Float
                repeat {
                    let p = v[k]
                    s = ((f[q] + Float(q * q)) - (f[p] + Float(p * p))) / Float(2 * q - 2 * p)
                    if s <= z[k] { k -= 1 } else { break }
                } while k >= 0
                k += 1
                v[k] = q; z[k] = s; z[k + 1] = .infinity
            }
        }
        if f[v[0]] >= inf { for q in 0..<count { d[q] = inf }; return }
        k = 0
        for q in 0..<count {
            while z[k + 1] < Float(q) { k += 1 }
            let dq = Float(q - v[k])
            d[q] = dq * dq + f[v[k]]
        }
    }
    for x in 0..<w {
        for y in 0..<h { f[y] = sq[y * w + x] }
        transform1D(h)
        for y in 0..<h { sq[y * w + x] = d[y] }
    }
    for y in 0..<h {
        for x in 0..<w { f[x] = sq[y * w + x] }
        transform1D(w)
        for x in 0..<w { sq[y * w + x] = d[x] }
    }
    return Image(width: w, height: h, pixels: sq.map { $0 >= inf ? .infinity : $0.squareRoot() })
}
