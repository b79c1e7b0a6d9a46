/// The centroid of every labelled object (mean x and y of its pixels, x right, y down), in
/// increasing label order: the nucleus centres that `cells.csv` lists and crops are centred on.
public func objectCentroids(_ labels: Image<Int32>) -> [(label: Int32, x: Double, y: Double)] {
    var sums: [Int32: (x: Double, y: Double, n: Int)] = [:]
    let w = labels.width
    for y in 0..<labels.height {
        for x in 0..<w {
            let l = labels.pixels[y * w + x]
            guard l != 0 else { continue }
            let e = sums[l] ?? (0, 0, 0)
            sums[l] = (e.x + Double(x), e.y + Double(y), e.n + 1)
        }
    }
    return sums.keys.sorted().map { l in
        let e = sums[l]!
        return (l, e.x / Double(e.n), e.y / Double(e.n))
    }
}
