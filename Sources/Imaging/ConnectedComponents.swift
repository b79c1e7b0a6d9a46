/// Pixel adjacency for connected-component labelling.
public enum Connectivity: Sendable {
    /// Edge neighbours only (scikit-image `connectivity=1`).
    case four
    /// Edge and corner neighbours (scikit-image `connectivity=2`).
    case eight
}

/// Labels the connected foreground regions of `mask` (non-zero = foreground) 1, 2, 3, ...
/// in the raster order of each region's first pixel, as `skimage.measure.label` does;
/// background stays 0. Two passes with union-find over provisional labels.
public func labelConnectedComponents<P: BinaryInteger>(_ mask: Image<P>, connectivity: Connectivity = .eight) -> Image<Int32> {
    let w = mask.width, h = mask.height
    var labels = [Int32](repeating: 0, count: w * h)
    var parent: [Int32] = [0]
    func find(_ x: Int32) -> Int32 {
        var r = x
        while parent[Int(r)] != r { r = parent[Int(r)] }
        var x = x
        while parent[Int(x)] != r { let n = parent[Int(x)]; parent[Int(x)] = r; x = n }
        return r
    }
    func union(_ a: Int32, _ b: Int32) {
        let ra = find(a), rb = find(b)
        if ra != rb { parent[Int(max(ra, rb))] = min(ra, rb) }
    }
    let offsets: [(Int, Int)] = connectivity == .four ? [(-1, 0), (0, -1)] : [(-1, 0), (-1, -1), (0, -1), (1, -1)]
    mask.pixels.withUnsafeBufferPointer { m in
        for y in 0..<h {
            for x in 0..<w where m[y * w + x] != 0 {
                var label: Int32 = 0
                for (dx, dy) in offsets {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, nx < w, ny >= 0 else { continue }
                    let l = labels[ny * w + nx]
                    guard l != 0 else { continue }
                    if label == 0 { label = l } else if l != label { union(label, l) }
                }
                if label == 0 {
                    label = Int32(parent.count)
                    parent.append(label)
                }
                labels[y * w + x] = label
            }
        }
    }
    // Roots get final numbers in order of first appearance, which is raster order.
    var final = [Int32](repeating: 0, count: parent.count)
    var next: Int32 = 0
    for i in labels.indices where labels[i] != 0 {
        let r = Int(find(labels[i]))
        if final[r] == 0 { next += 1; final[r] = next }
        labels[i] = final[r]
    }
    return Image(width: w, height: h, pixels: labels)
}
