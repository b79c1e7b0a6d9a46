/// Median over the (2r+1)x(2r+1) square around each pixel, reflect border, as
/// `scipy.ndimage.median_filter(size=2r+1, mode="reflect")`. Meant for small radii
/// (hot-pixel and speckle removal): each window is sorted by insertion.
public func medianFilter(_ image: Image<Float>, radius: Int) -> Image<Float> {
    precondition(radius >= 0 && radius <= 7, "median filter radius must be 0...7")
    guard radius > 0 else { return image }
    let w = image.width, h = image.height, side = 2 * radius + 1
    var out = [Float](repeating: 0, count: w * h)
    var window = [Float](repeating: 0, count: side * side)
    image.pixels.withUnsafeBufferPointer { p in
        window.withUnsafeMutableBufferPointer { win in
            for y in 0..<h {
                for x in 0..<w {
                    var n = 0
                    for dy in -radius...radius {
                        let row = reflectIndex(y + dy, h) * w
                        for dx in -radius...radius {
                            let v = p[row + reflectIndex(x + dx, w)]
                            var j = n
                            while j > 0 && win[j - 1] > v { win[j] = win[j - 1]; j -= 1 }
                            win[j] = v
                            n += 1
                        }
                    }
                    out[y * w + x] = win[n / 2]
                }
            }
        }
    }
    return Image(width: w, height: h, pixels: out)
}
