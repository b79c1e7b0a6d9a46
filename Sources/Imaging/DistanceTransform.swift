/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): for every
/// non-zero pixel of `mask`, the distance to the nearest zero pixel; zero pixels get 0.
/// Matches `scipy.ndimage.distance_transform_edt`. With no zero pixel at all, every
/// distance is infinite.
public func euclideanDistanceTransform<P: BinaryInteger>(_ mask: Image<P>) -> Image<Float> {
    let pixels = mask.pixels
    let sq = squaredDistanceToNearestSource(width: mask.width, height: mask.height) { pixels[$0] == 0 }
    return Image(width: mask.width, height: mask.height, pixels: sq.map { Float($0.squareRoot()) })
}

/// Exact squared Euclidean distance from every pixel of a `width x height` grid (row-major
/// index) to the nearest pixel for which `isSource` holds; sources get 0, and with no source
/// at all every value is `.infinity`. Separable: a 1-D lower envelope of parabolas down
/// every column, then along every row, in Double so squared distances stay exact integers.
public func squaredDistanceToNearestSource(width w: Int, height h: Int, isSource: (Int) -> Bool) -> [Double] {
    var sq = (0..<(w * h)).map { isSource($0) ? 0.0 : Double.infinity }
    let n = max(w, h)
    var f = [Double](repeating: 0, count: n), d = f
    var v = [Int](repeating: 0, count: n), z = [Double](repeating: 0, count: n + 1)
    // Lower envelope of the parabolas rooted at the finite samples of f, evaluated everywhere.
    func transform1D(_ count: Int) {
        var k = 0
        v[0] = 0; z[0] = -.infinity; z[1] = .infinity
        if count > 1 {
            for q in 1..<count {
                guard f[q].isFinite else { continue }
                if !f[v[0]].isFinite { v[0] = q; k = 0; z[0] = -.infinity; z[1] = .infinity; continue }
                var s: Double
                repeat {
                    let p = v[k]
                    s = ((f[q] + Double(q * q)) - (f[p] + Double(p * p))) / Double(2 * q - 2 * p)
                    if s <= z[k] { k -= 1 } else { break }
                } while k >= 0
                k += 1
                v[k] = q; z[k] = s; z[k + 1] = .infinity
            }
        }
        if !f[v[0]].isFinite { for q in 0..<count { d[q] = .infinity }; return }
        k = 0
        for q in 0..<count {
            while z[k + 1] < Double(q) { k += 1 }
            let dq = Double(q - v[k])
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
    return sq
}
