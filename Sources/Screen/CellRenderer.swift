import Core
import Foundation

/// The working planes of one site while it is drawn: noiseless signal per channel and
/// the label planes that become the ground-truth masks.
struct SiteCanvas {
    let width: Int
    let height: Int
    /// DNA, tubulin, actin signal in arbitrary units (1 = a typical nucleus).
    var planes: [[Float]]
    /// Cell index + 1 owning each pixel's nucleus / body; 0 = none.
    var nucleusLabel: [Int32]
    var cellLabel: [Int32]
    /// Normalised distance of the current owner, to resolve overlaps to the nearest shape.
    var nucleusDistance: [Float]
    var cellDistance: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        let n = width * height
        planes = Array(repeating: Array(repeating: 0, count: n), count: 3)
        nucleusLabel = Array(repeating: 0, count: n)
        cellLabel = Array(repeating: 0, count: n)
        nucleusDistance = Array(repeating: .infinity, count: n)
        cellDistance = Array(repeating: .infinity, count: n)
    }
}

/// Draws cells into a `SiteCanvas`: first the geometry (each pixel goes to the nucleus or
/// body whose normalised distance is smallest, and nucleus pixels always belong to their
/// own cell), then the signal, only where a cell owns the pixel, so that the masks are
/// exactly what was drawn even where cells touch or overlap.
enum CellRenderer {
    static let dna = 0, tubulin = 1, actin = 2

    static func draw(_ cells: [SyntheticCell], into canvas: inout SiteCanvas) {
        let w = canvas.width, h = canvas.height
        for (i, cell) in cells.enumerated() {
            let id = Int32(i + 1)
            claim(cell.body, id: id, labels: &canvas.cellLabel, distances: &canvas.cellDistance, width: w, height: h)
            for n in cell.nuclei {
                claim(n.shape, id: id, labels: &canvas.nucleusLabel, distances: &canvas.nucleusDistance, width: w, height: h)
            }
        }
        for p in 0..<(w * h) where canvas.nucleusLabel[p] != 0 { canvas.cellLabel[p] = canvas.nucleusLabel[p] }
        let labels = Labels(width: w, height: h, cell: canvas.cellLabel, nucleus: canvas.nucleusLabel)
        var d = canvas.planes[dna], t = canvas.planes[tubulin], a = canvas.planes[actin]
        canvas.planes = []
        for (i, cell) in cells.enumerated() {
            paint(cell, id: Int32(i + 1), labels: labels, dna: &d, tubulin: &t, actin: &a)
        }
        canvas.planes = [d, t, a]
    }

    private static func claim(_ shape: StarShape, id: Int32, labels: inout [Int32], distances: inout [Float],
                              width: Int, height: Int) {
        guard let b = shape.bounds(width: width, height: height) else { return }
        for y in b.y0...b.y1 {
            let row = y * width
            for x in b.x0...b.x1 {
                let d = shape.distance(Float(x), Float(y))
                if d < 1, d < distances[row + x] {
                    distances[row + x] = d
                    labels[row + x] = id
                }
            }
        }
    }

    /// The finished label planes, read while painting.
    private struct Labels {
        let width: Int
        let height: Int
        let cell: [Int32]
        let nucleus: [Int32]
    }

    private static func paint(_ cell: SyntheticCell, id: Int32, labels c: Labels,
                              dna dnaPlane: inout [Float], tubulin tub: inout [Float], actin act: inout [Float]) {
        let w = c.width, h = c.height
        guard let b = cell.body.bounds(width: w, height: h) else { return }
        let cyto = cell.cytoplasm
        let extent = cell.body.extent
        let diffuse = cyto * (0.12 + 0.55 * cell.diffuseTubulin)
        // Cytoplasm: perinuclear tubulin, cortical actin rim.
        for y in b.y0...b.y1 {
            for x in b.x0...b.x1 {
                let p = y * w + x
                guard c.cell[p] == id else { continue }
                let d = min(1, cell.body.distance(Float(x), Float(y)))
                // Lamellae thin out toward the edge; the lattice gives uneven, patchy cytoplasm.
                let edge = min(1, (1 - d) * 5 + 0.35)
                let t = 0.55 + 0.9 * lattice(cell.cytoLattice, x: Float(x) - cell.body.cx, y: Float(y) - cell.body.cy, extent: extent)
                tub[p] += diffuse * (0.45 + 0.55 * (1 - d * d)) * t * edge
                act[p] += cyto * (0.09 * t * edge + 0.3 * cell.rim * expf(-(1 - d) * 9))
            }
        }
        // Chromatin.
        for n in cell.nuclei {
            guard let nb = n.shape.bounds(width: w, height: h) else { continue }
            let e = n.shape.extent
            for y in nb.y0...nb.y1 {
                for x in nb.x0...nb.x1 {
                    let p = y * w + x
                    guard c.nucleus[p] == id else { continue }
                    let fx = Float(x), fy = Float(y)
                    let d = n.shape.distance(fx, fy)
                    guard d < 1 else { continue }
                    dnaPlane[p] += chromatin(n, x: fx, y: fy, d: d, extent: e)
                }
            }
        }
        var rng = SeededRandom(seed: cell.drawSeed)
        // Microtubules: curved filaments radiating from each pole.
        let perPole = cell.poles.isEmpty ? 0 : cell.filaments / cell.poles.count
        for pole in cell.poles {
            splat(&tub, c, id: id, x: pole.x, y: pole.y, amount: cyto * 1.2)
            for _ in 0..<perPole {
                var angle = rng.uniform(0, 2 * .pi)
                let curl = 0.03 * rng.normal()
                var x = pole.x, y = pole.y
                var length: Float = 0
                let weight = cyto * cell.filamentWeight * rng.uniform(0.6, 1.3)
                while length < cell.filamentLength {
                    x += 0.8 * cos(angle); y += 0.8 * sin(angle); length += 0.8
                    angle += curl + 0.05 * rng.fastNormal()
                    if !splat(&tub, c, id: id, x: x, y: y, amount: weight) { break }
                    if cell.thickFilaments {
                        splat(&tub, c, id: id, x: x + 0.9 * sin(angle), y: y - 0.9 * cos(angle), amount: weight)
                    }
                }
            }
        }
        // Actin stress fibres: straight bundles across the cell along its long axis.
        for _ in 0..<cell.fibres {
            guard let start = pointInside(cell, rng: &rng, within: 0.75) else { break }
            let angle = cell.fibreAngle + 0.3 * rng.normal()
            let weight = cyto * rng.uniform(0.08, 0.3)
            for dir: Float in [1, -1] {
                var x = start.x, y = start.y
                for _ in 0..<400 {
                    x += dir * 0.8 * cos(angle); y += dir * 0.8 * sin(angle)
                    if cell.body.distance(x, y) > 0.95 { break }
                    if !splat(&act, c, id: id, x: x, y: y, amount: weight) { break }
                }
            }
        }
        // Actin puncta and cytoplasmic granules.
        for _ in 0..<cell.puncta {
            guard let p = pointInside(cell, rng: &rng, within: 0.9) else { break }
            blob(&act, c, id: id, x: p.x, y: p.y, amount: cyto * rng.uniform(1.5, 3))
        }
        for _ in 0..<cell.granules {
            guard let p = pointInside(cell, rng: &rng, within: 0.9) else { break }
            let a = cyto * rng.uniform(0.5, 1.1)
            blob(&tub, c, id: id, x: p.x, y: p.y, amount: a)
            blob(&act, c, id: id, x: p.x, y: p.y, amount: a * 0.7)
        }
    }

    /// DNA signal of nucleus `n` at a pixel at normalised distance `d`.
    @inline(__always)
    private static func chromatin(_ n: SyntheticCell.Nucleus, x: Float, y: Float, d: Float, extent: Float) -> Float {
        let edge = min(1, (1 - d) * 4).squareRoot()
        var v: Float
        switch n.kind {
        case .interphase:
            let t = lattice(n.lattice, x: x - n.shape.cx, y: y - n.shape.cy, extent: extent)
            v = (1 - 0.2 * d * d) * (1 + n.texture * (2 * t - 1))
        case .condensed:
            v = 1
        case .ring:
            let r = (d - 0.62) / 0.22
            v = 0.25 + expf(-r * r)
        case .clumps:
            v = 0.2
        }
        for s in n.spots {
            let dx = x - s.x, dy = y - s.y
            v += s.w * expf(-(dx * dx + dy * dy) * s.z)
        }
        return max(0, n.intensity * v * edge)
    }

    /// Smooth texture: a 6 x 6 lattice of values stretched over the square of half-side
    /// `extent` round a shape's centre, interpolated bilinearly at offset (x, y).
    @inline(__always)
    private static func lattice(_ l: [Float], x: Float, y: Float, extent: Float) -> Float {
        let gx = max(0, min(4.999, (x + extent) / (2 * extent) * 5))
        let gy = max(0, min(4.999, (y + extent) / (2 * extent) * 5))
        let ix = Int(gx), iy = Int(gy), tx = gx - Float(ix), ty = gy - Float(iy)
        return (l[iy * 6 + ix] * (1 - tx) + l[iy * 6 + ix + 1] * tx) * (1 - ty)
            + (l[(iy + 1) * 6 + ix] * (1 - tx) + l[(iy + 1) * 6 + ix + 1] * tx) * ty
    }

    /// Adds `amount` at a sub-pixel point, shared bilinearly among the cell's own pixels.
    /// Returns false once the point has left the cell (or the frame).
    @discardableResult
    @inline(__always)
    private static func splat(_ plane: inout [Float], _ c: Labels, id: Int32, x: Float, y: Float, amount: Float) -> Bool {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        guard x0 >= 0, y0 >= 0, x0 < c.width - 1, y0 < c.height - 1 else { return false }
        let p = y0 * c.width + x0
        guard c.cell[p] == id else { return false }
        let tx = x - Float(x0), ty = y - Float(y0)
        plane[p] += amount * (1 - tx) * (1 - ty)
        if c.cell[p + 1] == id { plane[p + 1] += amount * tx * (1 - ty) }
        if c.cell[p + c.width] == id { plane[p + c.width] += amount * (1 - tx) * ty }
        if c.cell[p + c.width + 1] == id { plane[p + c.width + 1] += amount * tx * ty }
        return true
    }

    /// A small Gaussian-ish dot (3 x 3) on the cell's own pixels.
    private static func blob(_ plane: inout [Float], _ c: Labels, id: Int32, x: Float, y: Float, amount: Float) {
        let cx = Int(x.rounded()), cy = Int(y.rounded())
        for dy in -1...1 {
            for dx in -1...1 {
                let px = cx + dx, py = cy + dy
                guard px >= 0, py >= 0, px < c.width, py < c.height else { continue }
                let p = py * c.width + px
                guard c.cell[p] == id else { continue }
                plane[p] += amount * (dx == 0 && dy == 0 ? 1 : (dx == 0 || dy == 0 ? 0.45 : 0.2))
            }
        }
    }

    /// A random point inside the cell body (normalised distance below `within`).
    private static func pointInside(_ cell: SyntheticCell, rng: inout SeededRandom, within: Float) -> SIMD2<Float>? {
        let e = cell.body.extent
        for _ in 0..<12 {
            let x = cell.body.cx + rng.uniform(-e, e), y = cell.body.cy + rng.uniform(-e, e)
            if cell.body.distance(x, y) < within { return SIMD2(x, y) }
        }
        return nil
    }
}
