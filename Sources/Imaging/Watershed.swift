/// Marker-controlled watershed by priority flood (Beucher & Meyer; the algorithm of
/// `skimage.segmentation.watershed` with 4-connectivity): labels grow from `markers`
/// (non-zero = seed label) into unlabelled pixels in order of `elevation`, ties first in
/// first out; pixels where `mask` is zero are never labelled.
public func watershed<M: BinaryInteger>(_ elevation: Image<Float>, markers: Image<Int32>, mask: Image<M>? = nil) -> Image<Int32> {
    let w = elevation.width, h = elevation.height
    precondition(markers.width == w && markers.height == h, "markers must match the elevation image")
    if let mask { precondition(mask.width == w && mask.height == h, "mask must match the elevation image") }
    var labels = markers.pixels
    let allowed: [Bool] = mask.map { $0.pixels.map { $0 != 0 } } ?? Array(repeating: true, count: w * h)
    for i in labels.indices where !allowed[i] { labels[i] = 0 }
    var heap = FloodQueue()
    var age = 0
    let elev = elevation.pixels
    for i in labels.indices where labels[i] != 0 {
        heap.push(.init(value: elev[i], age: age, index: i)); age += 1
    }
    while let e = heap.pop() {
        let at = Int(e.index), x = at % w, y = at / w
        let label = labels[at]
        // Left, right, up, down, without building a neighbour array per pixel.
        for step in 0..<4 {
            let nx = x + (step == 0 ? -1 : step == 1 ? 1 : 0), ny = y + (step == 2 ? -1 : step == 3 ? 1 : 0)
            guard nx >= 0, nx < w, ny >= 0, ny < h else { continue }
            let j = ny * w + nx
            guard labels[j] == 0, allowed[j] else { continue }
            labels[j] = label
            heap.push(.init(value: elev[j], age: age, index: j)); age += 1
        }
    }
    return Image(width: w, height: h, pixels: labels)
}

/// A binary min-heap on (value, age): the flooding order of `watershed`. Value and age are
/// packed into one integer key (the float's bits made order-preserving above a 32-bit age),
/// so every comparison in the heap is a single integer compare.
struct FloodQueue {
    struct Entry {
        let key: UInt64
        let index: Int32
        init(value: Float, age: Int, index: Int) {
            let bits = value.bitPattern
            // Negative floats: flip all bits; positive: flip the sign bit. Unsigned order = float order.
            let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            key = UInt64(ordered) << 32 | UInt64(UInt32(truncatingIfNeeded: age))
            self.index = Int32(index)
        }
        var value: Float {
            let ordered = UInt32(key >> 32)
            return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
        }
    }
    private var items: [Entry] = []

    mutating func push(_ e: Entry) {
        items.append(e)
        items.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                guard e.key < h[p].key else { break }
                h[i] = h[p]; i = p
            }
            h[i] = e
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var i = 0
            while true {
                let l = 2 * i + 1
                guard l < n else { break }
                let c = l + 1 < n && h[l + 1].key < h[l].key ? l + 1 : l
                guard h[c].key < last.key else { break }
                h[i] = h[c]; i = c
            }
            h[i] = last
        }
        return top
    }
}
