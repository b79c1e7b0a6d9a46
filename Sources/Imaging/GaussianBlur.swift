import Foundation

/// Gaussian smoothing, separable, with scipy/scikit-image's defaults: the kernel reaches
/// `truncate * sigma` pixels (rounded) each side and the border is mirrored with the edge
/// pixel repeated (`d c b a | a b c d`, scipy's "reflect").
public func gaussianBlur(_ image: Image<Float>, sigma: Float, truncate: Float = 4) -> Image<Float> {
    precondition(sigma >= 0, "sigma must be non-negative")
    guard sigma > 0, image.width > 0, image.height > 0 else { return image }
    let radius = Int(truncate * sigma + 0.5)
    var kernel = (-radius...radius).map { expf(-0.5 * Float($0 * $0) / (sigma * sigma)) }
    let sum = kernel.reduce(0, +)
    for i in kernel.indices { kernel[i] /= sum }
    let w = image.width, h = image.height
    var tmp = [Float](repeating: 0, count: w * h)
    var out = [Float](repeating: 0, count: w * h)
    // Rows, then columns; each pass gathers one padded line so the inner loop has no branches.
    var line = [Float](repeating: 0, count: max(w, h) + 2 * radius)
    kernel.withUnsafeBufferPointer { k in
        image.pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                line.withUnsafeMutableBufferPointer { buf in
                    for y in 0..<h {
                        for i in 0..<(w + 2 * radius) { buf[i] = src[y * w + reflectIndex(i - radius, w)] }
                        for x in 0..<w {
                            var acc: Float = 0
                            for j in 0...(2 * radius) { acc += k[j] * buf[x + j] }
                            dst[y * w + x] = acc
                        }
                    }
                }
            }
        }
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                line.withUnsafeMutableBufferPointer { buf in
                    for x in 0..<w {
                        for i in 0..<(h + 2 * radius) { buf[i] = src[reflectIndex(i - radius, h) * w + x] }
                        for y in 0..<h {
                            var acc: Float = 0
                            for j in 0...(2 * radius) { acc += k[j] * buf[y + j] }
                            dst[y * w + x] = acc
                        }
                    }
                }
            }
        }
    }
    return Image(width: w, height: h, pixels: out)
}
