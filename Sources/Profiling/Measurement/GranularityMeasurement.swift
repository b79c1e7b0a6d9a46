import Foundation
import Imaging

/// CellProfiler's MeasureGranularity: a granular spectrum from successive grayscale
/// openings by reconstruction, as cp-measure computes it.
///
/// The image is subsampled (`subsample`), a background (opening with a disk of
/// `elementSize` on a further `imageSample` subsample, bilinearly restored) is subtracted,
/// then for k = 1...`spectrumLength` the image is eroded once more with a 3x3 cross and
/// reconstructed under the background-free image. Feature k of an object is the drop of its
/// mean (over its full-resolution pixels, bilinearly restored) from step k-1 to k, in
/// percent of its original mean intensity. The image-level part is computed once per
/// channel (`GranularitySpectrum`); objects only take means.
public struct GranularityOptions: Sendable, Equatable {
    public var subsample: Double = 0.25
    public var imageSample: Double = 0.25
    public var elementSize: Int = 10
    public var spectrumLength: Int = 16
    public init() {}
}

struct GranularitySpectrum: Sendable {
    let width: Int, height: Int
    let newWidth: Int, newHeight: Int
    /// Reconstructions after 1...spectrumLength erosions, at the subsampled size.
    let levels: [[Float]]
    let spectrumLength: Int

    static func names(channel: String, options: GranularityOptions) -> [String] {
        (1...options.spectrumLength).map { "Granularity_\($0)_\(channel)" }
    }

    init(_ image: Image<Float>, options: GranularityOptions) {
        width = image.width; height = image.height
        spectrumLength = options.spectrumLength
        let nh = options.subsample < 1 ? Int(Double(height) * options.subsample) : height
        let nw = options.subsample < 1 ? Int(Double(width) * options.subsample) : width
        newWidth = nw; newHeight = nh
        guard nh >= 2 && nw >= 2 else { levels = []; return }
        var pixels = [Float](repeating: 0, count: nw * nh)
        for i in 0..<nh {
            for j in 0..<nw {
                pixels[i * nw + j] = Self.bilinear(image.pixels, image.width, image.height,
                                                   Double(i) / options.subsample, Double(j) / options.subsample)
            }
        }
        // Background: opening of a further subsample, restored to the subsampled size.
        let bh = Double(nh) * options.imageSample, bw = Double(nw) * options.imageSample
        let bhn = Int(bh.rounded(.up)), bwn = Int(bw.rounded(.up))
        var back = [Float](repeating: 0, count: bhn * bwn)
        for i in 0..<bhn {
            for j in 0..<bwn {
                back[i * bwn + j] = Self.bilinear(pixels, nw, nh, Double(i) / options.imageSample, Double(j) / options.imageSample)
            }
        }
        let disk = Self.disk(options.elementSize)
        back = Self.morph(back, bwn, bhn, disk, erode: true)
        back = Self.morph(back, bwn, bhn, disk, erode: false)
        for i in 0..<nh {
            for j in 0..<nw {
                let v = Self.bilinear(back, bwn, bhn, Double(i) * (bh - 1) / Double(nh - 1), Double(j) * (bw - 1) / Double(nw - 1))
                pixels[i * nw + j] = max(pixels[i * nw + j] - v, 0)
            }
        }
        let cross = Self.disk(1)
        var ero = pixels
        var levels: [[Float]] = []
        for _ in 0..<options.spectrumLength {
            ero = Self.morph(ero, nw, nh, cross, erode: true)
            levels.append(Self.reconstruct(seed: ero, mask: pixels, nw, nh))
        }
        self.levels = levels
    }

    /// The spectrum of one object; `values` are its original pixel values.
    func measure(_ object: ObjectMask, values: [Float], into out: inout [Double]) {
        guard !levels.isEmpty else { out += [Double](repeating: .nan, count: spectrumLength); return }
        var current = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let start = max(current, Double.ulpOfOne)
        let sr = Double(newHeight - 1) / Double(height - 1), sc = Double(newWidth - 1) / Double(width - 1)
        // Interpolation corners and weights depend only on the pixel: find them once, then
        // accumulate every level.
        var sums = [Double](repeating: 0, count: levels.count)
        for i in object.pixels {
            let ci = Int(i)
            let r = Double(ci / object.width + object.y0) * sr, c = Double(ci % object.width + object.x0) * sc
            // Points that round past the grid contribute nothing (cp-measure's operator).
            guard r <= Double(newHeight - 1) && c <= Double(newWidth - 1) else { continue }
            let r0 = Int(r), c0 = Int(c)
            let fr = r - Double(r0), fc = c - Double(c0)
            let r1 = min(r0 + 1, newHeight - 1), c1 = min(c0 + 1, newWidth - 1)
            let i00 = r0 * newWidth + c0, i01 = r0 * newWidth + c1, i10 = r1 * newWidth + c0, i11 = r1 * newWidth + c1
            let w00 = (1 - fr) * (1 - fc), w01 = (1 - fr) * fc, w10 = fr * (1 - fc), w11 = fr * fc
            for k in levels.indices {
                levels[k].withUnsafeBufferPointer { l in
                    sums[k] += w00 * Double(l[i00]) + w01 * Double(l[i01]) + w10 * Double(l[i10]) + w11 * Double(l[i11])
                }
            }
        }
        for sum in sums {
            let mean = sum / Double(values.count)
            out.append((current - mean) * 100 / start)
            current = mean
        }
    }

    /// Linear interpolation at (row r, column c), zero outside the grid (scipy's
    /// `map_coordinates(order: 1)` inside it).
    static func bilinear(_ img: [Float], _ w: Int, _ h: Int, _ r: Double, _ c: Double) -> Float {
        let r0 = Int(r.rounded(.down)), c0 = Int(c.rounded(.down))
        let fr = r - Double(r0), fc = c - Double(c0)
        if fr == 0 && fc == 0 {
            return r0 >= 0 && r0 < h && c0 >= 0 && c0 < w ? img[r0 * w + c0] : 0
        }
        func at(_ y: Int, _ x: Int) -> Double {
            let yy = min(max(y, 0), h - 1), xx = min(max(x, 0), w - 1)
            return Double(img[yy * w + xx])
        }
        let r1 = min(r0 + 1, h - 1), c1 = min(c0 + 1, w - 1)
        let v = (1 - fr) * (1 - fc) * at(r0, c0) + (1 - fr) * fc * at(r0, c1) + fr * (1 - fc) * at(r1, c0) + fr * fc * at(r1, c1)
        return Float(v)
    }

    /// Offsets of scikit-image's `disk(radius)`.
    static func disk(_ radius: Int) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        for dy in -radius...radius { for dx in -radius...radius where dx * dx + dy * dy <= radius * radius { out.append((dy, dx)) } }
        return out
    }

    /// Grayscale erosion or dilation; neighbours outside the image are ignored, which for a
    /// symmetric footprint equals scikit-image's reflecting border.
    static func morph(_ img: [Float], _ w: Int, _ h: Int, _ fp: [(Int, Int)], erode: Bool) -> [Float] {
        var out = img
        for y in 0..<h {
            for x in 0..<w {
                var v = img[y * w + x]
                for (dy, dx) in fp {
                    let yy = y + dy, xx = x + dx
                    if yy < 0 || yy >= h || xx < 0 || xx >= w { continue }
                    let u = img[yy * w + xx]
                    v = erode ? min(v, u) : max(v, u)
                }
                out[y * w + x] = v
            }
        }
        return out
    }

    /// Grayscale reconstruction by dilation with a 4-connected neighbourhood (Vincent's
    /// hybrid algorithm: a raster and an anti-raster sweep, then a FIFO for the rest).
    static func reconstruct(seed: [Float], mask: [Float], _ w: Int, _ h: Int) -> [Float] {
        var j = zip(seed, mask).map { min($0, $1) }
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                var v = j[i]
                if x > 0 { v = max(v, j[i - 1]) }
                if y > 0 { v = max(v, j[i - w]) }
                j[i] = min(v, mask[i])
            }
        }
        var queue: [Int] = []
        for y in stride(from: h - 1, through: 0, by: -1) {
            for x in stride(from: w - 1, through: 0, by: -1) {
                let i = y * w + x
                var v = j[i]
                if x < w - 1 { v = max(v, j[i + 1]) }
                if y < h - 1 { v = max(v, j[i + w]) }
                j[i] = min(v, mask[i])
                if (x < w - 1 && j[i + 1] < j[i] && j[i + 1] < mask[i + 1]) ||
                   (y < h - 1 && j[i + w] < j[i] && j[i + w] < mask[i + w]) {
                    queue.append(i)
                }
            }
        }
        var head = 0
        while head < queue.count {
            let i = queue[head]; head += 1
            let x = i % w, y = i / w
            for (q, ok) in [(i - 1, x > 0), (i + 1, x < w - 1), (i - w, y > 0), (i + w, y < h - 1)] where ok {
                if j[q] < j[i] && mask[q] != j[q] {
                    j[q] = min(j[i], mask[q])
                    queue.append(q)
                }
            }
        }
        return j
    }
}
