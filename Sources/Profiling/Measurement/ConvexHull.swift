/// Convex hulls of pixel sets on the integer lattice, with exact integer arithmetic.
///
/// Points are given in doubled coordinates so that scikit-image's half-pixel "diamond"
/// offsets stay integral.
enum ConvexHull {
    typealias Point = (x: Int, y: Int)

    /// Andrew's monotone chain; returns the hull counter-clockwise without collinear points.
    static func hull(_ points: [Point]) -> [Point] {
        let p = points.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        if p.count < 3 { return p }
        func cross(_ o: Point, _ a: Point, _ b: Point) -> Int {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var lower: [Point] = [], upper: [Point] = []
        for q in p {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], q) <= 0 { lower.removeLast() }
            lower.append(q)
        }
        for q in p.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], q) <= 0 { upper.removeLast() }
            upper.append(q)
        }
        return Array(lower.dropLast() + upper.dropLast())
    }

    /// The leftmost and rightmost pixel of every row of the object: their hull is the
    /// object's hull. Coordinates are crop pixels.
    static func rowExtremes(_ object: ObjectMask) -> [Point] {
        var out: [Point] = []
        for cy in 0..<object.height {
            var first = -1, last = -1
            for cx in 0..<object.width where object.mask[cy * object.width + cx] {
                if first < 0 { first = cx }
                last = cx
            }
            if first >= 0 {
                out.append((first, cy))
                if last != first { out.append((last, cy)) }
            }
        }
        return out
    }

    /// Number of pixels whose centres lie inside or on the hull of the diamonds around the
    /// object's pixels: scikit-image's `convex_hull_image` area (`area_convex`).
    static func convexArea(_ object: ObjectMask) -> Int {
        var pts: [Point] = []
        for (x, y) in rowExtremes(object) {
            pts += [(2 * x - 1, 2 * y), (2 * x + 1, 2 * y), (2 * x, 2 * y - 1), (2 * x, 2 * y + 1)]
        }
        let h = hull(pts)
        guard h.count >= 3 else { return object.area }
        var count = 0
        for cy in 1..<(object.height - 1) {
            for cx in 1..<(object.width - 1) {
                let px = 2 * cx, py = 2 * cy
                var inside = true
                for k in 0..<h.count {
                    let a = h[k], b = h[(k + 1) % h.count]
                    if (b.x - a.x) * (py - a.y) - (b.y - a.y) * (px - a.x) < 0 { inside = false; break }
                }
                if inside { count += 1 }
            }
        }
        return count
    }
}
