import Core
import Foundation
import Imaging

/// One rendered site: three 16-bit channels and its ground truth.
public struct RenderedSite: Sendable {
    /// DNA, tubulin, actin, in `PlateOptics.channelNames` order.
    public var channels: [Image<UInt16>]
    /// Nucleus labels: label k marks the nucleus (or nuclei, for a multinucleated cell)
    /// of cell k; 0 = background.
    public var nuclei: Image<UInt16>
    /// Cell labels, same numbering as `nuclei`; each pixel belongs to one cell at most.
    public var cells: Image<UInt16>
    /// Centroid of the nucleus pixels of cell k at index k - 1 (pixels, x right, y down).
    public var centres: [SIMD2<Float>]
}

/// Renders a site: places cells in colonies, draws them, adds debris, optics (PSF or
/// defocus blur, illumination field, gain, offset), shot and read noise, and quantises
/// to 16 bits. The only randomness is `rng`, so a site depends on nothing but its inputs.
public enum SiteRenderer {
    public static func render(morphology m: Morphology, cellCount: Int, optics: PlateOptics,
                              defect: SiteDefect?, rng: inout SeededRandom) -> RenderedSite {
        let w = optics.width, h = optics.height
        precondition(cellCount < 65_000, "at most 65000 cells per site fit a 16-bit mask")
        let cells = place(cellCount, morphology: m, width: w, height: h, rng: &rng)
        var canvas = SiteCanvas(width: w, height: h)
        CellRenderer.draw(cells, into: &canvas)

        let (nuclei, cellMask, centres) = masks(canvas)
        var planes = canvas.planes
        // Faint autofluorescence everywhere.
        let background: [Float] = [0.03, 0.06, 0.05]
        for c in 0..<3 { planes[c].withUnsafeMutableBufferPointer { b in for p in b.indices { b[p] += background[c] } } }
        if defect == .debris { addDebris(&planes, width: w, height: h, rng: &rng) }
        let sigma: Float = defect == .blur ? rng.uniform(3, 6) : 0.8
        for c in 0..<3 { blur(&planes[c], width: w, height: h, sigma: sigma) }
        var exposure: Float = 1
        if defect == .saturated {
            // Long enough that at least the brightest DNA clips, even on an empty site.
            let peak = (0..<(w * h)).reduce(Float(0)) { max($0, planes[0][$1] * optics.fields[0][$1]) }
            exposure = max(rng.uniform(20, 40), 1.5 * 65535 / (optics.gains[0] * max(peak, 1e-3)))
        }

        var channels: [Image<UInt16>] = []
        for c in 0..<3 {
            let field = optics.fields[c], gain = optics.gains[c] * exposure, offset = optics.offsets[c]
            var out = [UInt16](repeating: 0, count: w * h)
            planes[c].withUnsafeBufferPointer { plane in
                field.withUnsafeBufferPointer { field in
                    out.withUnsafeMutableBufferPointer { out in
                        for p in 0..<(w * h) {
                            let signal = max(0, gain * field[p] * plane[p])
                            // Shot noise (about 2 ADU per photoelectron) and read noise.
                            let v = offset + signal + (2 * signal).squareRoot() * rng.fastNormal() + 6 * rng.fastNormal()
                            out[p] = UInt16(min(65535, max(0, v + 0.5)))
                        }
                    }
                }
            }
            channels.append(Image(width: w, height: h, pixels: out))
        }
        return RenderedSite(channels: channels, nuclei: nuclei, cells: cellMask, centres: centres)
    }

    /// Cells in colonies: cluster centres anywhere (also just off the frame, so colonies
    /// are cut by the edge), cells scattered round them; a cell too close to an earlier
    /// one is moved a few times and then accepted, so some cells overlap.
    static func place(_ n: Int, morphology m: Morphology, width: Int, height: Int,
                      rng: inout SeededRandom) -> [SyntheticCell] {
        guard n > 0 else { return [] }
        let clusters = max(1, Int((Float(n) / (9 * m.clustering)).rounded()))
        let margin: Float = 10
        let centres = (0..<clusters).map { _ in
            SIMD2(rng.uniform(-margin, Float(width) + margin), rng.uniform(-margin, Float(height) + margin))
        }
        let spread = SyntheticCell.cellRadius * m.cellSize * (Float(n) / Float(clusters)).squareRoot() * 0.5
            / m.clustering.squareRoot()
        var cells: [SyntheticCell] = []
        cells.reserveCapacity(n)
        for _ in 0..<n {
            var cell = SyntheticCell(morphology: m, rng: &rng)
            let r = max(cell.body.a, cell.body.b)
            let home = centres[rng.int(below: clusters)]
            var pos = home
            for _ in 0..<10 {
                pos = home + SIMD2(spread * rng.normal(), spread * rng.normal())
                let free = cells.allSatisfy { other in
                    let d = SIMD2(other.body.cx, other.body.cy) - pos
                    let limit = 0.55 * (r + max(other.body.a, other.body.b)) / m.clustering.squareRoot()
                    return (d * d).sum() > limit * limit
                }
                if free { break }
            }
            cell.translate(pos.x, pos.y)
            cells.append(cell)
        }
        return cells
    }

    /// Final masks: labels renumbered 1...k in cell order, keeping only cells whose
    /// nucleus is in the frame (a body without a nucleus is not a countable cell).
    static func masks(_ c: SiteCanvas) -> (Image<UInt16>, Image<UInt16>, [SIMD2<Float>]) {
        let n = c.width * c.height
        var maxLabel: Int32 = 0
        for v in c.cellLabel where v > maxLabel { maxLabel = v }
        var sums = [SIMD3<Double>](repeating: .zero, count: Int(maxLabel) + 1)
        for p in 0..<n where c.nucleusLabel[p] != 0 {
            sums[Int(c.nucleusLabel[p])] += SIMD3(Double(p % c.width), Double(p / c.width), 1)
        }
        var newLabel = [UInt16](repeating: 0, count: Int(maxLabel) + 1)
        var centres: [SIMD2<Float>] = []
        for l in 1..<max(1, sums.count) where sums[l].z > 0 {
            centres.append(SIMD2(Float(sums[l].x / sums[l].z), Float(sums[l].y / sums[l].z)))
            newLabel[l] = UInt16(centres.count)
        }
        let nuclei = c.nucleusLabel.map { newLabel[Int($0)] }
        let cells = c.cellLabel.map { newLabel[Int($0)] }
        return (Image(width: c.width, height: c.height, pixels: nuclei),
                Image(width: c.width, height: c.height, pixels: cells), centres)
    }

    /// Bright, irregular, textured blobs and specks in every channel (lint, precipitate).
    static func addDebris(_ planes: inout [[Float]], width: Int, height: Int, rng: inout SeededRandom) {
        let big = 1 + rng.int(below: 3)
        for i in 0..<(big + 6 + rng.int(below: 12)) {
            let r = i < big ? rng.uniform(8, 30) : rng.uniform(1, 3.5)
            let shape = StarShape(cx: rng.uniform(0, Float(width)), cy: rng.uniform(0, Float(height)),
                                  a: r * rng.uniform(0.7, 1.4), b: r * rng.uniform(0.5, 1), angle: rng.uniform(0, .pi),
                                  irregularity: 0.45, harmonics: 5, rng: &rng)
            let weights: [Float] = [rng.uniform(1.5, 4), rng.uniform(0.5, 3), rng.uniform(0.5, 3)]
            guard let b = shape.bounds(width: width, height: height) else { continue }
            for y in b.y0...b.y1 {
                for x in b.x0...b.x1 {
                    let d = shape.distance(Float(x), Float(y))
                    guard d < 1 else { continue }
                    let v = (0.5 + 0.5 * (1 - d)) * (0.8 + 0.4 * rng.uniform())
                    for c in 0..<3 { planes[c][y * width + x] += weights[c] * v }
                }
            }
        }
    }

    /// Separable Gaussian blur with edge clamping (the microscope's point-spread function,
    /// or defocus).
    static func blur(_ plane: inout [Float], width: Int, height: Int, sigma: Float) {
        let radius = max(1, Int((2.5 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { expf(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var tmp = [Float](repeating: 0, count: plane.count)
        kernel.withUnsafeBufferPointer { kp in
            let k = kp.baseAddress! + radius  // k[-radius...radius]
            plane.withUnsafeBufferPointer { src in
                tmp.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        let row = y * width
                        for x in 0..<width {
                            var s: Float = 0
                            if x >= radius && x < width - radius {
                                for j in -radius...radius { s += k[j] * src[row + x + j] }
                            } else {
                                for j in -radius...radius { s += k[j] * src[row + min(width - 1, max(0, x + j))] }
                            }
                            dst[row + x] = s
                        }
                    }
                }
            }
            // Vertical pass row by row, so the inner loop runs along memory.
            tmp.withUnsafeBufferPointer { src in
                plane.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        let row = y * width
                        for x in 0..<width { dst[row + x] = 0 }
                        for j in -radius...radius {
                            let srcRow = min(height - 1, max(0, y + j)) * width
                            let w = k[j]
                            for x in 0..<width { dst[row + x] += w * src[srcRow + x] }
                        }
                    }
                }
            }
        }
    }
}
