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
        let x = e.index % w, y = e.index / w
        let label = labels[e.index]
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

/// A binary min-heap on (value, age): the flooding order of `watershed`.
struct FloodQueue {
    struct Entry { let value: Float; let age: Int; let index: Int }
    private var items: [Entry] = []

    private func less(_ a: Entry, _ b: Entry) -> Bool { a.value < b.value || (a.value == b.value && a.age < b.age) }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(items[i], items[p]) else { break }
            items.swapAt(i, p); i = p
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && less(items[l], items[m]) { m = l }
                if r < items.count && less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top
    }
}
