import Imaging

/// One object's pixels, cut out of a label image on its bounding box.
///
/// Every measurement works on this crop rather than on the whole image, so the cost of a
/// site is proportional to the area of its objects. The crop keeps a one-pixel margin of
/// non-object pixels on every side (which may lie outside the image) so that neighbour
/// look-ups, distance transforms and boundary tests need no bounds special cases; `inImage`
/// says which margin pixels are real.
public struct ObjectMask: Sendable {
    /// Top-left corner of the padded crop in image coordinates (may be -1).
    public let x0: Int
    public let y0: Int
    /// Padded crop size: the tight bounding box plus one pixel on each side.
    public let width: Int
    public let height: Int
    /// Size of the image the object was cut from.
    public let imageWidth: Int
    public let imageHeight: Int
    /// `width * height` flags, row-major, true on the object's pixels.
    public let mask: [Bool]
    /// Crop indices of the object's pixels in row-major order.
    public let pixels: [Int32]

    public var area: Int { pixels.count }
    /// Tight bounding box, image coordinates, max exclusive (as scikit-image reports it).
    public var minX: Int { x0 + 1 }
    public var minY: Int { y0 + 1 }
    public var maxX: Int { x0 + width - 1 }
    public var maxY: Int { y0 + height - 1 }

    /// Builds the crop from a predicate over the image coordinates inside `box`
    /// (tight box, max exclusive); returns nil when no pixel passes.
    init?(imageWidth: Int, imageHeight: Int, box: (minX: Int, minY: Int, maxX: Int, maxY: Int),
          contains: (Int, Int) -> Bool) {
        // Tighten the box first: the cytoplasm of a cell may not reach its cell's box edge.
        var tx0 = Int.max, ty0 = Int.max, tx1 = Int.min, ty1 = Int.min
        for y in box.minY..<box.maxY {
            for x in box.minX..<box.maxX where contains(x, y) {
                tx0 = min(tx0, x); tx1 = max(tx1, x); ty0 = min(ty0, y); ty1 = max(ty1, y)
            }
        }
        guard tx0 <= tx1 else { return nil }
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        x0 = tx0 - 1
        y0 = ty0 - 1
        width = tx1 - tx0 + 3
        height = ty1 - ty0 + 3
        var mask = [Bool](repeating: false, count: width * height)
        var pixels: [Int32] = []
        pixels.reserveCapacity((tx1 - tx0 + 1) * (ty1 - ty0 + 1))
        for y in ty0...ty1 {
            for x in tx0...tx1 where contains(x, y) {
                let i = (y - y0) * width + (x - x0)
                mask[i] = true
                pixels.append(Int32(i))
            }
        }
        self.mask = mask
        self.pixels = pixels
    }

    /// Whether crop pixel `(cx, cy)` lies inside the image.
    @inlinable
    public func inImage(_ cx: Int, _ cy: Int) -> Bool {
        let x = cx + x0, y = cy + y0
        return x >= 0 && y >= 0 && x < imageWidth && y < imageHeight
    }

    /// The object's values of `image`, in the order of `pixels`.
    public func values(of image: Image<Float>) -> [Float] {
        pixels.map { i in
            let ci = Int(i)
            return image.pixels[(ci / width + y0) * image.width + (ci % width + x0)]
        }
    }

    /// True for each of `pixels` that has a 4-neighbour inside the image that is not part of
    /// the object: scikit-image's `find_boundaries(mode: "inner")`, whose reflecting border
    /// makes the image edge itself no boundary.
    public func edgeFlags() -> [Bool] {
        pixels.map { i in
            let ci = Int(i), cx = ci % width, cy = ci / width
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] where inImage(cx + dx, cy + dy) {
                if !mask[ci + dy * width + dx] { return true }
            }
            return false
        }
    }
}

/// Tight bounding boxes of every label in a label image, found in one pass.
struct LabelBoxes {
    /// Sorted positive labels present in the image.
    let labels: [Int32]
    /// Box per label, max exclusive, same order as `labels`.
    let boxes: [(minX: Int, minY: Int, maxX: Int, maxY: Int)]

    init(_ image: Image<Int32>) {
        var table: [Int32: Int] = [:]
        var found: [(label: Int32, box: (minX: Int, minY: Int, maxX: Int, maxY: Int))] = []
        let w = image.width
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<image.height {
                var x = 0
                while x < w {
                    let l = px[y * w + x]
                    if l <= 0 { x += 1; continue }
                    // Runs of one label are the common case; handle the run at once.
                    var end = x + 1
                    while end < w && px[y * w + end] == l { end += 1 }
                    if let k = table[l] {
                        var b = found[k].box
                        b.minX = min(b.minX, x); b.maxX = max(b.maxX, end)
                        b.minY = min(b.minY, y); b.maxY = max(b.maxY, y + 1)
                        found[k].box = b
                    } else {
                        table[l] = found.count
                        found.append((l, (x, y, end, y + 1)))
                    }
                    x = end
                }
            }
        }
        found.sort { $0.label < $1.label }
        labels = found.map(\.label)
        boxes = found.map(\.box)
    }
}
