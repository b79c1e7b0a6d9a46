import Foundation

/// CellProfiler's MeasureObjectSizeShape for one object (2D), as cp-measure computes it
/// through scikit-image's `regionprops`.
///
/// Axis lengths, eccentricity and orientation come from the second central moments
/// (orientation in degrees, scikit-image's sign convention); the perimeter is scikit-image's
/// 4-connected weighted border count; the convex area counts pixel centres inside the hull
/// of the pixels' edge midpoints; radii come from the exact Euclidean distance transform;
/// the Euler number counts 8-connected components minus 4-connected holes.
enum ShapeMeasurement {
    static let names: [String] = [
        "AreaShape_Area", "AreaShape_Perimeter", "AreaShape_FormFactor", "AreaShape_Compactness",
        "AreaShape_Eccentricity", "AreaShape_MajorAxisLength", "AreaShape_MinorAxisLength",
        "AreaShape_Orientation", "AreaShape_ConvexArea", "AreaShape_Solidity", "AreaShape_Extent",
        "AreaShape_EquivalentDiameter", "AreaShape_BoundingBoxArea",
        "AreaShape_BoundingBoxMinimum_X", "AreaShape_BoundingBoxMaximum_X",
        "AreaShape_BoundingBoxMinimum_Y", "AreaShape_BoundingBoxMaximum_Y",
        "AreaShape_Center_X", "AreaShape_Center_Y",
        "AreaShape_MaximumRadius", "AreaShape_MeanRadius", "AreaShape_MedianRadius",
        "AreaShape_EulerNumber", "AreaShape_FilledArea",
        "AreaShape_InertiaTensorEigenvalues_0", "AreaShape_InertiaTensorEigenvalues_1",
        "AreaShape_MinFeretDiameter", "AreaShape_MaxFeretDiameter",
    ] + ShapeMeasurement.momentNames(prefix: "SpatialMoment", rows: 3)
      + ShapeMeasurement.momentNames(prefix: "CentralMoment", rows: 3)
      + ShapeMeasurement.momentNames(prefix: "NormalizedMoment", rows: 4)
      + (0..<7).map { (i: Int) -> String in "AreaShape_HuMoment_\(i)" }
      + ["AreaShape_InertiaTensor_0_0", "AreaShape_InertiaTensor_0_1", "AreaShape_InertiaTensor_1_0", "AreaShape_InertiaTensor_1_1"]
      + ZernikeMoments.indexes.map { (z) -> String in "AreaShape_Zernike_\(z.n)_\(z.m)" }

    /// `AreaShape_<prefix>_<p>_<q>` for p in 0..<rows, q in 0..<4.
    static func momentNames(prefix: String, rows: Int) -> [String] {
        var out: [String] = []
        for p in 0..<rows { for q in 0..<4 { out.append("AreaShape_\(prefix)_\(p)_\(q)") } }
        return out
    }

    static func measure(_ object: ObjectMask, into out: inout [Double]) {
        let area = Double(object.area)
        let w = object.width
        // Moments in tight-box coordinates (row r, column c), as regionprops.
        var sr = 0.0, sc = 0.0
        for i in object.pixels { let ci = Int(i); sr += Double(ci / w - 1); sc += Double(ci % w - 1) }
        let mr = sr / area, mc = sc / area
        var mu20 = 0.0, mu02 = 0.0, mu11 = 0.0
        for i in object.pixels {
            let ci = Int(i)
            let dr = Double(ci / w - 1) - mr, dc = Double(ci % w - 1) - mc
            mu20 += dr * dr; mu02 += dc * dc; mu11 += dr * dc
        }
        let a = mu20 / area, b = mu11 / area, c = mu02 / area
        let halfTrace = (a + c) / 2, disc = (((c - a) / 2) * ((c - a) / 2) + b * b).squareRoot()
        let eigMajor = max(halfTrace + disc, 0), eigMinor = max(halfTrace - disc, 0)
        let eccentricity = eigMajor == 0 ? 0 : (1 - eigMinor / eigMajor).squareRoot()
        let orientation: Double = (a - c == 0) ? (b > 0 ? Double.pi / 4 : -Double.pi / 4)
                                               : 0.5 * atan2(2 * b, a - c)
        let perimeter = perimeterOf(object)
        let convex = Double(ConvexHull.convexArea(object))
        let boxW = Double(object.width - 2), boxH = Double(object.height - 2)

        let d2 = DistanceTransform.squared(object, borderIsBackground: true)
        let radii = object.pixels.map { d2[Int($0)].squareRoot() }.sorted()
        let n = radii.count
        let medianRadius = n % 2 == 1 ? radii[n / 2] : (radii[n / 2 - 1] + radii[n / 2]) / 2

        out += [
            area, perimeter, 4 * Double.pi * area / (perimeter * perimeter),
            perimeter * perimeter / max(4 * Double.pi * area, 1),
            eccentricity, 4 * eigMajor.squareRoot(), 4 * eigMinor.squareRoot(),
            orientation * 180 / Double.pi, convex, area / convex, area / (boxW * boxH),
            (4 * area / Double.pi).squareRoot(), boxW * boxH,
            Double(object.minX), Double(object.maxX), Double(object.minY), Double(object.maxY),
            mc + Double(object.minX), mr + Double(object.minY),
            radii[n - 1], radii.reduce(0, +) / Double(n), medianRadius,
            Double(eulerNumber(object)), Double(filledArea(object)),
            eigMajor, eigMinor,
        ]
        out += feret(object)
        out += moments(object, rowMean: mr, colMean: mc)
        out += [c, -b, -b, a]
        out += ZernikeMoments.shapeScores(object)
    }

    /// Spatial (p < 3, q < 4), central (p < 3, q < 4) and normalised (4x4, NaN where p + q < 2)
    /// moments and the seven Hu invariants, rows as p and columns as q in tight-box
    /// coordinates (scikit-image's `moments*` conventions).
    static func moments(_ object: ObjectMask, rowMean: Double, colMean: Double) -> [Double] {
        let w = object.width
        var raw = [Double](repeating: 0, count: 16), mu = [Double](repeating: 0, count: 16)
        for i in object.pixels {
            let ci = Int(i)
            let r = Double(ci / w - 1), c = Double(ci % w - 1)
            let dr = r - rowMean, dc = c - colMean
            var rp = 1.0, drp = 1.0
            for p in 0..<4 {
                var cq = 1.0, dcq = 1.0
                for q in 0..<4 {
                    raw[p * 4 + q] += rp * cq
                    mu[p * 4 + q] += drp * dcq
                    cq *= c; dcq *= dc
                }
                rp *= r; drp *= dr
            }
        }
        var nu = [Double](repeating: .nan, count: 16)
        for p in 0..<4 { for q in 0..<4 where p + q >= 2 { nu[p * 4 + q] = mu[p * 4 + q] / pow(mu[0], Double(p + q) / 2 + 1) } }
        let n20 = nu[8], n02 = nu[2], n11 = nu[5], n30 = nu[12], n03 = nu[3], n21 = nu[9], n12 = nu[6]
        let a = n30 + n12, b = n21 + n03
        let hu = [
            n20 + n02,
            (n20 - n02) * (n20 - n02) + 4 * n11 * n11,
            (n30 - 3 * n12) * (n30 - 3 * n12) + (3 * n21 - n03) * (3 * n21 - n03),
            a * a + b * b,
            (n30 - 3 * n12) * a * (a * a - 3 * b * b) + (3 * n21 - n03) * b * (3 * a * a - b * b),
            (n20 - n02) * (a * a - b * b) + 4 * n11 * a * b,
            (3 * n21 - n03) * a * (a * a - 3 * b * b) - (n30 - 3 * n12) * b * (3 * a * a - b * b),
        ]
        return Array(raw[0..<12]) + Array(mu[0..<12]) + nu + hu
    }

    /// Minimum and maximum caliper widths of the hull of the pixel centres (centrosome's
    /// `feret_diameter`): the largest vertex distance, and the smallest over hull edges of
    /// the farthest vertex from the edge's line.
    static func feret(_ object: ObjectMask) -> [Double] {
        let h = ConvexHull.hull(ConvexHull.rowExtremes(object))
        guard h.count >= 2 else { return [0, 0] }
        var maxD2 = 0
        for i in 0..<h.count { for j in (i + 1)..<h.count {
            let dx = h[i].x - h[j].x, dy = h[i].y - h[j].y
            maxD2 = max(maxD2, dx * dx + dy * dy)
        } }
        var minWidth = Double.infinity
        if h.count >= 3 {
            for k in 0..<h.count {
                let a = h[k], b = h[(k + 1) % h.count]
                let len = Double((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
                var far = 0.0
                for p in h { far = max(far, Double(abs((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x))) / len) }
                minWidth = min(minWidth, far)
            }
        } else {
            minWidth = 0
        }
        return [minWidth, Double(maxD2).squareRoot()]
    }

    /// scikit-image's `perimeter(image, 4)`: border pixels (object pixels with a non-object
    /// 4-neighbour) weighted by the arrangement of their bordering neighbours.
    static func perimeterOf(_ object: ObjectMask) -> Double {
        let w = object.width, m = object.mask
        var border = [Bool](repeating: false, count: m.count)
        for i in object.pixels {
            let ci = Int(i)
            border[ci] = !(m[ci - 1] && m[ci + 1] && m[ci - w] && m[ci + w])
        }
        var total = 0.0
        for i in object.pixels where border[Int(i)] {
            let ci = Int(i)
            var code = 1
            for d in [-1, 1, -w, w] where border[ci + d] { code += 2 }
            for d in [-w - 1, -w + 1, w - 1, w + 1] where border[ci + d] { code += 10 }
            switch code {
            case 5, 7, 15, 17, 25, 27: total += 1
            case 21, 33: total += 2.0.squareRoot()
            case 13, 23: total += (1 + 2.0.squareRoot()) / 2
            default: break
            }
        }
        return total
    }

    /// Euler number with 8-connected foreground (Gray's bit-quad counts).
    static func eulerNumber(_ object: ObjectMask) -> Int {
        let w = object.width, m = object.mask
        var q1 = 0, q3 = 0, qd = 0
        for y in 0..<(object.height - 1) {
            for x in 0..<(w - 1) {
                let a = m[y * w + x], b = m[y * w + x + 1], c = m[(y + 1) * w + x], d = m[(y + 1) * w + x + 1]
                let s = (a ? 1 : 0) + (b ? 1 : 0) + (c ? 1 : 0) + (d ? 1 : 0)
                if s == 1 { q1 += 1 } else if s == 3 { q3 += 1 } else if s == 2 && a == d { qd += 1 }
            }
        }
        return (q1 - q3 - 2 * qd) / 4
    }

    /// Area after filling holes: background not 8-connected to the box border, as
    /// scikit-image's `area_filled` (3x3 structure).
    static func filledArea(_ object: ObjectMask) -> Int {
        let w = object.width, h = object.height, m = object.mask
        var seen = [Bool](repeating: false, count: m.count)
        var stack: [Int] = []
        for x in 0..<w { stack += [x, (h - 1) * w + x] }
        for y in 0..<h { stack += [y * w, y * w + w - 1] }
        var outside = 0
        while let i = stack.popLast() {
            if seen[i] || m[i] { continue }
            seen[i] = true
            outside += 1
            let x = i % w, y = i / w
            for dy in -1...1 {
                for dx in -1...1 where (dx != 0 || dy != 0) && x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < h {
                    stack.append(i + dy * w + dx)
                }
            }
        }
        return w * h - outside
    }
}
