import Foundation

/// Haralick's 13 texture features of an object, per direction, as CellProfiler's
/// MeasureTexture computes them through mahotas.
///
/// The channel is quantised as scikit-image's `img_as_ubyte` (round(v * 255)) and, for
/// fewer than 256 levels, rescaled to `levels - 1`. For each of the four directions
/// (0: right, 1: down-right, 2: down, 3: down-left) at distance `scale`, object pixel pairs
/// with both levels non-zero are counted symmetrically into a co-occurrence matrix. An
/// object with no such pair in some direction gets NaN for every feature, as in mahotas.
/// The matrix is kept sparse, so the cost is proportional to the object's area, not to
/// levels squared.
enum TextureMeasurement {
    static let haralick = [
        "AngularSecondMoment", "Contrast", "Correlation", "Variance", "InverseDifferenceMoment",
        "SumAverage", "SumVariance", "SumEntropy", "Entropy", "DifferenceVariance",
        "DifferenceEntropy", "InfoMeas1", "InfoMeas2",
    ]
    static let directions = [(0, 1), (1, 1), (1, 0), (1, -1)]

    /// Names for one channel and scale: direction-major, as cp-measure packs them.
    static func names(channel: String, scale: Int, levels: Int) -> [String] {
        directions.indices.flatMap { d in
            haralick.map { "Texture_\($0)_\(channel)_\(scale)_\(d < 10 ? "0" : "")\(d)_\(levels)" }
        }
    }

    /// Quantised levels of the object's pixels over its crop (0 off the object).
    static func quantize(_ object: ObjectMask, values: [Float], levels: Int) -> [Int32] {
        var q = [Int32](repeating: 0, count: object.width * object.height)
        for (k, i) in object.pixels.enumerated() {
            // Float32 product then round-half-even, exactly as scikit-image does it.
            var v = (values[k] * 255).rounded(.toNearestOrEven)
            v = min(max(v, 0), 255)
            var level = Int32(v)
            if levels != 256 { level = Int32(Double(level) / 255 * Double(levels - 1)) }
            q[Int(i)] = level
        }
        return q
    }

    static func measure(_ object: ObjectMask, quantized q: [Int32], scale: Int, into out: inout [Double]) {
        let w = object.width, h = object.height
        let maxv = Int(q.max() ?? 0) + 1
        var features: [Double] = []
        features.reserveCapacity(52)
        var codes: [Int32] = []
        codes.reserveCapacity(4 * object.area)
        var scratch: [Int32] = []
        for (dy, dx) in directions {
            let oy = dy * scale, ox = dx * scale
            codes.removeAll(keepingCapacity: true)
            for y in 0..<h where y + oy < h {
                for x in 0..<w where x + ox >= 0 && x + ox < w {
                    let a = q[y * w + x]
                    if a == 0 { continue }
                    let b = q[(y + oy) * w + x + ox]
                    if b == 0 { continue }
                    codes.append(a << 9 | b)
                    codes.append(b << 9 | a)
                }
            }
            guard !codes.isEmpty else {
                out += [Double](repeating: .nan, count: 4 * haralick.count)
                return
            }
            radixSort(&codes, scratch: &scratch)
            features += haralickFeatures(codes, maxv: maxv)
        }
        out += features
    }

    /// Sorts 18-bit pair codes with two 9-bit counting passes (linear in the pair count).
    static func radixSort(_ a: inout [Int32], scratch: inout [Int32]) {
        if scratch.count < a.count { scratch = [Int32](repeating: 0, count: a.count) }
        for shift in [0, 9] {
            var count = [Int](repeating: 0, count: 513)
            for v in a { count[Int((v >> Int32(shift)) & 511) + 1] += 1 }
            for k in 1..<513 { count[k] += count[k - 1] }
            for v in a {
                let d = Int((v >> Int32(shift)) & 511)
                scratch[count[d]] = v
                count[d] += 1
            }
            for k in a.indices { a[k] = scratch[k] }
        }
    }

    /// The 13 features of a co-occurrence matrix given as sorted pair codes (i << 9 | j).
    static func haralickFeatures(_ codes: [Int32], maxv: Int) -> [Double] {
        let total = Double(codes.count)
        var px = [Double](repeating: 0, count: maxv)
        var plus = [Double](repeating: 0, count: 2 * maxv)
        var minus = [Double](repeating: 0, count: maxv)
        var asm = 0.0, idm = 0.0, sumIJ = 0.0, entropy = 0.0
        var start = 0
        while start < codes.count {
            var end = start + 1
            while end < codes.count && codes[end] == codes[start] { end += 1 }
            let p = Double(end - start) / total
            let i = Int(codes[start] >> 9), j = Int(codes[start] & 511)
            asm += p * p
            idm += p / Double(1 + (i - j) * (i - j))
            sumIJ += Double(i * j) * p
            entropy -= p * log2(p)
            px[i] += p
            plus[i + j] += p
            minus[abs(i - j)] += p
            start = end
        }
        func H(_ v: [Double]) -> Double { v.reduce(0) { $1 > 0 ? $0 - $1 * log2($1) : $0 } }
        var ux = 0.0, ex2 = 0.0
        for (k, p) in px.enumerated() { ux += Double(k) * p; ex2 += Double(k * k) * p }
        let vx = ex2 - ux * ux
        let sx = vx.squareRoot()
        var contrast = 0.0
        for (k, p) in minus.enumerated() { contrast += Double(k * k) * p }
        let correlation = sx == 0 ? 1 : (sumIJ - ux * ux) / (sx * sx)
        var sumAverage = 0.0, sumSq = 0.0
        for (k, p) in plus.enumerated() { sumAverage += Double(k) * p; sumSq += Double(k * k) * p }
        let meanMinus = minus.reduce(0, +) / Double(maxv)
        let diffVariance = minus.reduce(0) { $0 + ($1 - meanMinus) * ($1 - meanMinus) } / Double(maxv)
        let hx = H(px)
        // With p symmetric, HXY1 = HXY2 = HX + HY exactly.
        let hxy = 2 * hx
        let info1 = hx == 0 ? entropy - hxy : (entropy - hxy) / hx
        let info2 = max(0, 1 - exp(-2 * (hxy - entropy))).squareRoot()
        return [asm, contrast, correlation, vx, idm, sumAverage, sumSq - sumAverage * sumAverage,
                H(plus), entropy, diffVariance, H(minus), info1, info2]
    }
}
