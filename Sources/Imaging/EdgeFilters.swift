/// Sobel gradient magnitude, `sqrt((gx² + gy²) / 2)` with the [1, 2, 1]/4 smoothing
/// taps, as `skimage.filters.sobel` computes it; reflect border.
public func sobelMagnitude(_ image: Image<Float>) -> Image<Float> {
    let w = image.width, h = image.height
    var out = [Float](repeating: 0, count: w * h)
    image.pixels.withUnsafeBufferPointer { p in
        for y in 0..<h {
            let ym = reflectIndex(y - 1, h) * w, y0 = y * w, yp = reflectIndex(y + 1, h) * w
            for x in 0..<w {
                let xm = reflectIndex(x - 1, w), xp = reflectIndex(x + 1, w)
                let gx = ((p[ym + xp] - p[ym + xm]) + 2 * (p[y0 + xp] - p[y0 + xm]) + (p[yp + xp] - p[yp + xm])) / 4
                let gy = ((p[yp + xm] - p[ym + xm]) + 2 * (p[yp + x] - p[ym + x]) + (p[yp + xp] - p[ym + xp])) / 4
                out[y0 + x] = ((gx * gx + gy * gy) / 2).squareRoot()
            }
        }
    }
    return Image(width: w, height: h, pixels: out)
}

/// The 5-point Laplacian (sum of second differences along x and y), as
/// `scipy.ndimage.laplace` computes it; reflect border.
public func laplacian(_ image: Image<Float>) -> Image<Float> {
    let w = image.width, h = image.height
    var out = [Float](repeating: 0, count: w * h)
    image.pixels.withUnsafeBufferPointer { p in
        for y in 0..<h {
            let ym = reflectIndex(y - 1, h) * w, y0 = y * w, yp = reflectIndex(y + 1, h) * w
            for x in 0..<w {
                let c = p[y0 + x]
                out[y0 + x] = p[y0 + reflectIndex(x - 1, w)] + p[y0 + reflectIndex(x + 1, w)] + p[ym + x] + p[yp + x] - 4 * c
            }
        }
    }
    return Image(width: w, height: h, pixels: out)
}

/// Focus score: the variance of the Laplacian (Pech-Pacheco et al. 2000). Blurred sites
/// score low; the pipeline's QC compares it across sites of a plate.
public func varianceOfLaplacian(_ image: Image<Float>) -> Double {
    let l = laplacian(image).pixels
    guard !l.isEmpty else { return 0 }
    var mean = 0.0
    for v in l { mean += Double(v) }
    mean /= Double(l.count)
    var ss = 0.0
    for v in l { let d = Double(v) - mean; ss += d * d }
    return ss / Double(l.count)
}
