/// Exact Euclidean distance transform of an object crop (Felzenszwalb & Huttenlocher's
/// two-pass lower envelope of parabolas), as `scipy.ndimage.distance_transform_edt`.
///
/// Returns squared distances from each crop pixel to the nearest background pixel. Object
/// pixels are never sources; margin pixels outside the image are sources only when
/// `borderIsBackground` (scikit-image pads the object's box with zeros, whereas
/// CellProfiler's `distance_to_edge` sees only the image).
enum DistanceTransform {
    static func squared(_ object: ObjectMask, borderIsBackground: Bool) -> [Double] {
        let w = object.width, h = object.height
        let inf = Double(w * w + h * h + 1) * 4
        var f = [Double](repeating: 0, count: w * h)
        for cy in 0..<h {
            for cx in 0..<w {
                let i = cy * w + cx
                let source = !object.mask[i] && (borderIsBackground || object.inImage(cx, cy))
                f[i] = source ? 0 : inf
            }
        }
        var line = [Double](repeating: 0, count: max(w, h))
        var out = [Double](repeating: 0, count: max(w, h))
        var v = [Int](repeating: 0, count: max(w, h))
        var z = [Double](repeating: 0, count: max(w, h) + 1)
        // Columns, then rows.
        for cx in 0..<w {
            for cy in 0..<h { line[cy] = f[cy * w + cx] }
            envelope(line, h, &out, &v, &z)
            for cy in 0..<h { f[cy * w + cx] = out[cy] }
        }
        for cy in 0..<h {
            for cx in 0..<w { line[cx] = f[cy * w + cx] }
            envelope(line, w, &out, &v, &z)
            for cx in 0..<w { f[cy * w + cx] = out[cx] }
        }
        return f
    }

    /// One-dimensional squared distance transform of sampled function `g` (length n).
    private static func envelope(_ g: [Double], _ n: Int, _ d: inout [Double], _ v: inout [Int], _ z: inout [Double]) {
        var k = 0
        v[0] = 0
        z[0] = -.infinity
        z[1] = .infinity
        if n > 1 {
            for q in 1..<n {
                var s: Double
                repeat {
                    let p = v[k]
                    s = ((g[q] + Double(q * q)) - (g[p] + Double(p * p))) / Double(2 * q - 2 * p)
                    if s <= z[k] { k -= 1 } else { break }
                } while k >= 0
                k += 1
                v[k] = q
                z[k] = s
                z[k + 1] = .infinity
            }
        }
        k = 0
        for q in 0..<n {
            while z[k + 1] < Double(q) { k += 1 }
            let dq = q - v[k]
            d[q] = Double(dq * dq) + g[v[k]]
        }
    }
}
