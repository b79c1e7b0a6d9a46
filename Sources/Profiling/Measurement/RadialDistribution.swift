import Foundation

/// CellProfiler's MeasureObjectIntensityDistribution (scaled rings), as cp-measure computes it.
///
/// The object's centre is its pixel farthest from the edge (first in row-major order on
/// ties). Each pixel's normalised radius is d_c / (d_c + d_e + 0.001), with d_c the 8-connected
/// geodesic distance (steps 1 and sqrt 2) from the centre inside the object and d_e the
/// Euclidean distance to the edge; ring b of `bins` holds radii in [b/bins, (b+1)/bins).
/// Per ring: FracAtD (share of the object's intensity), MeanFrac (FracAtD over the ring's
/// share of pixels) and RadialCV (coefficient of variation of the mean intensity over eight
/// angular sectors).
enum RadialDistribution {
    static func names(channel: String, bins: Int) -> [String] {
        ["FracAtD", "MeanFrac", "RadialCV"].flatMap { f in
            (1...bins).map { "RadialDistribution_\(f)_\(channel)_\($0)of\(bins)" }
        }
    }

    /// Ring and sector of every object pixel; computed once per object, shared by channels.
    struct Geometry {
        /// Ring per pixel of `object.pixels`, -1 where the centre cannot reach it.
        var ring: [Int8]
        var sector: [Int8]
        var ringCount: [Int]
        var reached: Int
    }

    static func geometry(_ object: ObjectMask, bins: Int) -> Geometry {
        let w = object.width
        let edge = DistanceTransform.squared(object, borderIsBackground: false)
        var center = Int(object.pixels[0])
        for i in object.pixels where edge[Int(i)] > edge[center] { center = Int(i) }
        let geo = geodesic(object, from: center)
        var ring = [Int8](repeating: -1, count: object.area)
        var sector = [Int8](repeating: 0, count: object.area)
        var ringCount = [Int](repeating: 0, count: bins)
        var reached = 0
        let ci = center / w, cj = center % w
        for (k, p) in object.pixels.enumerated() {
            let pi = Int(p)
            let d = geo[pi]
            guard d.isFinite else { continue }
            let norm = d / (d + edge[pi].squareRoot() + 0.001)
            let b = min(Int(norm * Double(bins)), bins)
            guard b < bins else { continue }
            ring[k] = Int8(b)
            ringCount[b] += 1
            reached += 1
            let i = pi / w, j = pi % w
            sector[k] = Int8((i > ci ? 1 : 0) + (j > cj ? 2 : 0) + (abs(i - ci) > abs(j - cj) ? 4 : 0))
        }
        return Geometry(ring: ring, sector: sector, ringCount: ringCount, reached: reached)
    }

    static func measure(_ g: Geometry, values: [Float], bins: Int, into out: inout [Double]) {
        var ringSum = [Double](repeating: 0, count: bins)
        var sectorSum = [Double](repeating: 0, count: bins * 8)
        var sectorCount = [Int](repeating: 0, count: bins * 8)
        for (k, v) in values.enumerated() where g.ring[k] >= 0 {
            let b = Int(g.ring[k]), s = Int(g.sector[k])
            ringSum[b] += Double(v)
            sectorSum[b * 8 + s] += Double(v)
            sectorCount[b * 8 + s] += 1
        }
        let total = ringSum.reduce(0, +)
        let frac = ringSum.map { $0 / total }
        out += frac
        for b in 0..<bins {
            out.append(frac[b] / (Double(g.ringCount[b]) / Double(g.reached) + Double.ulpOfOne))
        }
        for b in 0..<bins {
            var means: [Double] = []
            for s in 0..<8 where sectorCount[b * 8 + s] > 0 {
                means.append(sectorSum[b * 8 + s] / Double(sectorCount[b * 8 + s]))
            }
            if means.isEmpty { out.append(0); continue }
            let m = means.reduce(0, +) / Double(means.count)
            let sd = (means.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(means.count)).squareRoot()
            out.append(sd / m)
        }
    }

    /// Dijkstra over the object's 8-connected pixels; infinity where unreachable.
    static func geodesic(_ object: ObjectMask, from start: Int) -> [Double] {
        let w = object.width
        var dist = [Double](repeating: .infinity, count: object.mask.count)
        dist[start] = 0
        var heap = BinaryHeap()
        heap.push(0, start)
        let diag = 2.0.squareRoot()
        let steps = [(-1, 1.0), (1, 1.0), (-w, 1.0), (w, 1.0), (-w - 1, diag), (-w + 1, diag), (w - 1, diag), (w + 1, diag)]
        while let (d, i) = heap.pop() {
            if d > dist[i] { continue }
            for (o, c) in steps {
                let q = i + o
                // The one-pixel margin is never part of the object, so q stays in the crop.
                guard object.mask[q] else { continue }
                let nd = d + c
                if nd < dist[q] { dist[q] = nd; heap.push(nd, q) }
            }
        }
        return dist
    }

    /// Min-heap of (distance, index), ties broken by index for determinism.
    struct BinaryHeap {
        var items: [(Double, Int)] = []
        func less(_ a: (Double, Int), _ b: (Double, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) }
        mutating func push(_ d: Double, _ i: Int) {
            items.append((d, i))
            var k = items.count - 1
            while k > 0 {
                let p = (k - 1) / 2
                if !less(items[k], items[p]) { break }
                items.swapAt(k, p); k = p
            }
        }
        mutating func pop() -> (Double, Int)? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var k = 0
                while true {
                    let l = 2 * k + 1, r = l + 1
                    var m = k
                    if l < items.count && less(items[l], items[m]) { m = l }
                    if r < items.count && less(items[r], items[m]) { m = r }
                    if m == k { break }
                    items.swapAt(k, m); k = m
                }
            }
            return top
        }
    }
}
