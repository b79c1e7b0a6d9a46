/// Cuts fixed-size single-cell boxes out of a site's channel planes.
///
/// The box is `size` x `size`, centred on the nucleus (for even sizes the centre pixel is
/// the one right-below the geometric centre, as `size / 2` indexing gives). Pixels outside
/// the image are zero. With `labels` and `keep`, pixels of other labelled objects are
/// zeroed, so a neighbour's bright nucleus does not leak into this cell's representation
/// (background pixels, label 0, are kept).
public struct CellCrop: Sendable {
    public let size: Int

    public init(size: Int) {
        precondition(size > 0, "crop size must be positive")
        self.size = size
    }

    /// The crop of every plane, channel-major: `planes.count * size * size` values.
    public func extract<P: BinaryInteger>(_ planes: [Image<P>], centreX: Int, centreY: Int,
                                          labels: Image<Int32>? = nil, keep: Int32? = nil) -> [P] {
        var out = [P](repeating: 0, count: planes.count * size * size)
        guard let first = planes.first else { return out }
        let (w, h) = (first.width, first.height)
        let x0 = centreX - size / 2, y0 = centreY - size / 2
        let xs = max(0, x0), xe = min(w, x0 + size)
        let ys = max(0, y0), ye = min(h, y0 + size)
        guard xs < xe, ys < ye else { return out }
        out.withUnsafeMutableBufferPointer { dst in
            for (c, plane) in planes.enumerated() {
                precondition(plane.width == w && plane.height == h, "all channel planes of a site must have one size")
                plane.pixels.withUnsafeBufferPointer { src in
                    for y in ys..<ye {
                        let srcRow = y * w, dstRow = c * size * size + (y - y0) * size - x0
                        if let labels, let keep {
                            for x in xs..<xe {
                                let l = labels.pixels[srcRow + x]
                                dst[dstRow + x] = (l == 0 || l == keep) ? src[srcRow + x] : 0
                            }
                        } else {
                            for x in xs..<xe { dst[dstRow + x] = src[srcRow + x] }
                        }
                    }
                }
            }
        }
        return out
    }
}
