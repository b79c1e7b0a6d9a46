/// Illumination correction as CellProfiler's CorrectIlluminationCalculate / Apply do it for
/// BBBC021: per plate and channel, the mean of all sites (cells land everywhere, so their
/// signal averages out and the optics' uneven field remains), smoothed by a large median
/// filter (robust to the bright cells that remain) and a Gaussian, scaled so its robust
/// minimum (`minimumPercentile`) is 1 and clamped there, and applied by division.
///
/// The median of a `2 * radius + 1` window on a full site is costly, and the field is smooth,
/// `smoothing = .polynomial` instead fits a second-order polynomial in x and y to the
/// median-filtered mean (CellProfiler's "Fit Polynomial"): the shape of vignetting and tilt,
/// and immune to the lumps that clustered cells leave in the mean of a few hundred sites.
///
/// The median is taken on a block-averaged mean by a factor that brings the window to at most 7 pixels,
/// filtered at that scale, and bilinearly resampled back.
public struct IlluminationFunction: Sendable {
    public enum Smoothing: String, Sendable, CaseIterable, Codable { case median, polynomial }

    public var smoothing = Smoothing.median
    /// Median window half-width in full-resolution pixels (0: an eighth of the shorter side).
    public var radius = 0
    /// Percentile of the smoothed function that becomes 1.
    public var minimumPercentile: Float = 2

    public init() {}

    /// Running per-pixel mean of the sites of one plate and channel.
    public struct Accumulator: Sendable {
        public let width: Int
        public let height: Int
        public private(set) var sum: [Double]
        public private(set) var count = 0

        public init(width: Int, height: Int) {
            self.width = width; self.height = height
            sum = [Double](repeating: 0, count: width * height)
        }

        public mutating func add<P: BinaryInteger>(_ image: Image<P>) {
            precondition(image.width == width && image.height == height, "all sites of a plate must have one size")
            for i in sum.indices { sum[i] += Double(image.pixels[i]) }
            count += 1
        }

        public mutating func add(_ image: Image<Float>) {
            precondition(image.width == width && image.height == height, "all sites of a plate must have one size")
            for i in sum.indices { sum[i] += Double(image.pixels[i]) }
            count += 1
        }

        /// Adds another accumulator's sites (exact for integer images: sums stay below 2^53).
        public mutating func merge(_ other: Accumulator) {
            precondition(other.width == width && other.height == height, "accumulators differ in size")
            for i in sum.indices { sum[i] += other.sum[i] }
            count += other.count
        }

        public var mean: Image<Float> {
            Image(width: width, height: height, pixels: sum.map { Float($0 / Double(max(count, 1))) })
        }
    }

    /// The illumination function (values >= 1) from the mean of a plate's sites.
    public func estimate(mean: Image<Float>) -> Image<Float> {
        let w = mean.width, h = mean.height
        let r = radius > 0 ? radius : max(1, min(w, h) / 8)
        let factor = max(1, (r + 6) / 7)
        let sw = (w + factor - 1) / factor, sh = (h + factor - 1) / factor
        // Block average (partial blocks at the right and bottom edges average what they have).
        var small = [Float](repeating: 0, count: sw * sh), n = small
        for y in 0..<h { for x in 0..<w {
            let j = (y / factor) * sw + x / factor
            small[j] += mean.pixels[y * w + x]; n[j] += 1
        } }
        for j in small.indices { small[j] /= n[j] }
        let smallRadius = min(7, max(1, r / factor))
        let median = medianFilter(Image(width: sw, height: sh, pixels: small), radius: smallRadius)
        let smooth = smoothing == .median ? gaussianBlur(median, sigma: Float(smallRadius)) : Self.quadraticFit(median)
        // Bilinear back to full size, sampling block centres.
        var full = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let fy = min(max((Float(y) + 0.5) / Float(factor) - 0.5, 0), Float(sh - 1))
            let y0 = Int(fy), y1 = min(y0 + 1, sh - 1), ty = fy - Float(y0)
            for x in 0..<w {
                let fx = min(max((Float(x) + 0.5) / Float(factor) - 0.5, 0), Float(sw - 1))
                let x0 = Int(fx), x1 = min(x0 + 1, sw - 1), tx = fx - Float(x0)
                let top = smooth.pixels[y0 * sw + x0] * (1 - tx) + smooth.pixels[y0 * sw + x1] * tx
                let bottom = smooth.pixels[y1 * sw + x0] * (1 - tx) + smooth.pixels[y1 * sw + x1] * tx
                full[y * w + x] = top * (1 - ty) + bottom * ty
            }
        }
        let sorted = full.sorted()
        let floor = max(sorted[min(sorted.count - 1, Int(Float(sorted.count) * minimumPercentile / 100))], Float.leastNormalMagnitude)
        return Image(width: w, height: h, pixels: full.map { max($0 / floor, 1) })
    }

    /// The least-squares fit of `1, x, y, x^2, xy, y^2` (coordinates scaled to about -1...1).
    static func quadraticFit(_ image: Image<Float>) -> Image<Float> {
        let w = image.width, h = image.height
        func terms(_ x: Int, _ y: Int) -> [Double] {
            let u = 2 * (Double(x) + 0.5) / Double(w) - 1, v = 2 * (Double(y) + 0.5) / Double(h) - 1
            return [1, u, v, u * u, u * v, v * v]
        }
        var a = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6), b = [Double](repeating: 0, count: 6)
        for y in 0..<h { for x in 0..<w {
            let t = terms(x, y), z = Double(image.pixels[y * w + x])
            for i in 0..<6 { b[i] += t[i] * z; for j in 0..<6 { a[i][j] += t[i] * t[j] } }
        } }
        // Gaussian elimination with partial pivoting on the 6 x 6 normal equations.
        for col in 0..<6 {
            let p = (col..<6).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, p); b.swapAt(col, p)
            guard abs(a[col][col]) > 1e-12 else { continue }
            for r in (col + 1)..<6 {
                let f = a[r][col] / a[col][col]
                for c in col..<6 { a[r][c] -= f * a[col][c] }
                b[r] -= f * b[col]
            }
        }
        var coef = [Double](repeating: 0, count: 6)
        for r in stride(from: 5, through: 0, by: -1) {
            var s = b[r]
            for c in (r + 1)..<6 { s -= a[r][c] * coef[c] }
            coef[r] = abs(a[r][r]) > 1e-12 ? s / a[r][r] : 0
        }
        var out = image
        for y in 0..<h { for x in 0..<w {
            out.pixels[y * w + x] = Float(zip(coef, terms(x, y)).reduce(0) { $0 + $1.0 * $1.1 })
        } }
        return out
    }

    /// Coefficient of variation of the means of `block` x `block` tiles: the flatness of the
    /// slowly varying field, without the pixel-scale noise of cells.
    public static func blockCoefficientOfVariation(_ image: Image<Float>, block: Int = 32) -> Double {
        let bw = image.width / block, bh = image.height / block
        guard bw > 0, bh > 0 else { return coefficientOfVariation(image) }
        var tiles = [Float](repeating: 0, count: bw * bh)
        for y in 0..<(bh * block) { for x in 0..<(bw * block) {
            tiles[(y / block) * bw + x / block] += image.pixels[y * image.width + x]
        } }
        return coefficientOfVariation(Image(width: bw, height: bh, pixels: tiles))
    }

    /// `image / function`, pixel by pixel.
    public static func apply<P: BinaryInteger>(_ function: Image<Float>, to image: Image<P>) -> Image<Float> {
        precondition(image.width == function.width && image.height == function.height, "illumination function and image differ in size")
        return Image(width: image.width, height: image.height,
                     pixels: zip(image.pixels, function.pixels).map { Float($0) / $1 })
    }

    /// Coefficient of variation (std / mean) of an image's pixels: how flat a field is.
    public static func coefficientOfVariation(_ image: Image<Float>) -> Double {
        let n = Double(image.pixels.count)
        let mean = image.pixels.reduce(0.0) { $0 + Double($1) } / n
        let variance = image.pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return mean == 0 ? 0 : variance.squareRoot() / mean
    }
}
