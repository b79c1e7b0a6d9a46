import Foundation

/// Focus score: the slope of log radial power against log spatial frequency, as
/// CellProfiler's MeasureImageQuality "PowerLogLogSlope" (centrosome's `rps`). In-focus
/// sites keep power at high frequencies, so their slope is less negative than blurred ones.
///
/// The image is mean-centred and divided by its median absolute deviation from the mean;
/// power is summed over rings of integer radius 2 ..< min(width, height) / 8 of the 2-D
/// DFT; the slope is the least-squares line through (log radius, log ring power).
public func powerLogLogSlope(_ image: Image<Float>) -> Double {
    let w = image.width, h = image.height
    var px = image.pixels.map(Double.init)
    guard let lo = px.min(), let hi = px.max(), hi > lo else { return 0 }
    let mean = px.reduce(0, +) / Double(px.count)
    let scale = median(px.map { abs($0 - mean) })
    let norm = scale > 0 ? scale : 1
    for i in px.indices { px[i] = px[i] / norm }
    let mean2 = px.reduce(0, +) / Double(px.count)
    var re = px.map { $0 - mean2 }, im = [Double](repeating: 0, count: w * h)
    // Rows, then columns.
    var rr = [Double](repeating: 0, count: max(w, h)), ri = rr
    let rowTable = DFTTable(w), columnTable = DFTTable(h)
    for y in 0..<h {
        for x in 0..<w { rr[x] = re[y * w + x]; ri[x] = im[y * w + x] }
        let (a, b) = dft(Array(rr[0..<w]), Array(ri[0..<w]), table: rowTable)
        for x in 0..<w { re[y * w + x] = a[x]; im[y * w + x] = b[x] }
    }
    for x in 0..<w {
        for y in 0..<h { rr[y] = re[y * w + x]; ri[y] = im[y * w + x] }
        let (a, b) = dft(Array(rr[0..<h]), Array(ri[0..<h]), table: columnTable)
        for y in 0..<h { re[y * w + x] = a[y]; im[y * w + x] = b[y] }
    }
    let maxRadius = Int((Double(min(w, h)) / 8).rounded(.down))
    guard maxRadius > 2 else { return 0 }
    var magSum = [Double](repeating: 0, count: maxRadius + 1), powSum = magSum
    // Ring radii as centrosome computes them: distance to the nearest corner of the index
    // grid, min(y, h-1-y), which is off by one from the true frequency on the negative side.
    // Kept for parity with CellProfiler's published scores.
    for y in 0..<h {
        let dy = min(y, h - 1 - y)
        for x in 0..<w {
            let dx = min(x, w - 1 - x)
            let r = Int(Double(dy * dy + dx * dx).squareRoot().rounded(.down)) + 1
            guard r >= 2, r < maxRadius else { continue }
            let p = re[y * w + x] * re[y * w + x] + im[y * w + x] * im[y * w + x]
            magSum[r] += p.squareRoot()
            powSum[r] += p
        }
    }
    var xs = [Double](), ys = [Double]()
    for r in 2..<maxRadius where magSum[r] > 0 && powSum[r] > 0 {
        xs.append(log(Double(r)))
        ys.append(log(powSum[r]))
    }
    guard xs.count > 1 else { return 0 }
    let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
    var sxy = 0.0, sxx = 0.0
    for i in xs.indices { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) * (xs[i] - mx) }
    return sxy / sxx
}

/// numpy's median: the mean of the two middle values for an even count.
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

/// Twiddle factors e^(-2πik/n), k = 0..<n, shared by every transform of length n.
struct DFTTable {
    let cos: [Double], sin: [Double]
    init(_ n: Int) {
        cos = (0..<n).map { Foundation.cos(-2 * Double.pi * Double($0) / Double(n)) }
        sin = (0..<n).map { Foundation.sin(-2 * Double.pi * Double($0) / Double(n)) }
    }
}

/// Discrete Fourier transform of any length: recursive mixed-radix Cooley-Tukey on the
/// smallest prime factor, falling back to the direct sum for prime lengths.
func dft(_ re: [Double], _ im: [Double], table: DFTTable? = nil) -> ([Double], [Double]) {
    let t = table ?? DFTTable(re.count)
    return dft(re, im, t, step: 1)
}

/// One level: `table` belongs to length `re.count * step`, so W_n^a = table[a * step].
private func dft(_ re: [Double], _ im: [Double], _ table: DFTTable, step: Int) -> ([Double], [Double]) {
    let n = re.count
    guard n > 1 else { return (re, im) }
    var p = 2
    while p * p <= n && n % p != 0 { p += 1 }
    if n % p != 0 { p = n }
    let m = n / p
    var outRe = [Double](repeating: 0, count: n), outIm = outRe
    if p == n {
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for j in 0..<n {
                let a = ((j * k) % n) * step
                sr += re[j] * table.cos[a] - im[j] * table.sin[a]
                si += re[j] * table.sin[a] + im[j] * table.cos[a]
            }
            outRe[k] = sr; outIm[k] = si
        }
        return (outRe, outIm)
    }
    // Sub-transforms of the p interleaved subsequences x[p*j + r].
    let subs = (0..<p).map { r in
        dft(stride(from: r, to: n, by: p).map { re[$0] }, stride(from: r, to: n, by: p).map { im[$0] }, table, step: step * p)
    }
    for k in 0..<n {
        var sr = 0.0, si = 0.0
        for r in 0..<p {
            let a = ((r * k) % n) * step
            let c = table.cos[a], s = table.sin[a]
            let xr = subs[r].0[k % m], xi = subs[r].1[k % m]
            sr += xr * c - xi * s
            si += xr * s + xi * c
        }
        outRe[k] = sr; outIm[k] = si
    }
    return (outRe, outIm)
}
