import Core
import Foundation
import Imaging
import Tensor

/// The random augmentations of one cell view, after Dino4Cells, each switchable in the
/// config's `augmentation:` section. A view is made in this order:
///
/// 1. Geometry, in one bilinear resampling pass: a random resized crop inside the cell box
///    (area fraction in `scale`, aspect ratio log-uniform in `crop_ratio_min...max`, as
///    torchvision's RandomResizedCrop, whole box after 10 misses), flips and 90° rotations
///    (Dino4Cells' rnd_dihedral), and with `elastic_probability` an elastic warp (Simard et
///    al. 2003, albumentations' ElasticTransform): a uniform(-1, 1) displacement field per
///    axis, Gaussian-smoothed with `elastic_sigma` and scaled by `elastic_alpha` pixels.
///    Samples outside the crop clamp to its edge.
/// 2. Per-channel intensity (Dino4Cells' Change_brightness / Change_contrast): factors
///    max(N(1, jitter), 0.5); brightness scales intensities (before standardization, so it
///    is a gain, not a contrast change of standardized values), `intensity_shift` adds
///    N(0, shift) channel standard deviations (an offset such as background or exposure),
///    contrast scales each channel's deviations from its mean in the view. Each channel
///    draws its own factors: fluorescence channels are separate stains, so the RGB colour
///    jitter of natural-image SimCLR/DINO (hue, saturation mix channels) does not apply;
///    cell SimCLR (Perakis et al. 2021) and Dino4Cells (Doron et al. 2023) perturb each
///    channel's intensity on its own instead.
/// 3. With `blur_probability` a Gaussian blur of every channel, sigma uniform in
///    `blur_sigma_min...max` (DINO's GaussianBlur), separable, scipy-style reflected border.
/// 4. With `channel_drop` one channel set to 0, its standardized mean (remove_channel).
///
/// Views are pure functions of the source crop and the generator, so a seed gives a view.
public struct CellAugmentation: Sendable {
    public let settings: TrainConfig.Augmentation
    /// Per channel mean / std of the intensities: brightness gains act on intensity, and
    /// in standardized units g·x maps z to g·z + (g − 1)·mean/std.
    public let intensityOffsets: [Float]

    public init(_ settings: TrainConfig.Augmentation, intensityOffsets: [Float]) {
        self.settings = settings
        self.intensityOffsets = intensityOffsets
    }

    /// The part of a crop a view samples, in source pixels, and how it lands in the view.
    struct Geometry: Equatable {
        var x0 = 0.0, y0 = 0.0, width = 0.0, height = 0.0
        var flipX = false, flipY = false
        /// Quarter turns.
        var rotation = 0
    }

    /// One random view of `src` (channels x size x size, standardized) at `outSize`.
    public func view(_ src: [Float], channels c: Int, size s: Int, outSize o: Int,
                     scale: (Double, Double), rng: inout SeededRandom) -> [Float] {
        let a = settings
        var g = Self.cropBox(size: s, scale: scale, ratio: (a.cropRatioMin, a.cropRatioMax), rng: &rng)
        g.flipX = a.flips && rng.next() & 1 == 1
        g.flipY = a.flips && rng.next() & 1 == 1
        g.rotation = a.rotate90 ? Int(rng.next() % 4) : 0
        var displacement: ([Float], [Float])?
        if a.elasticProbability > 0, rng.uniformDouble() < a.elasticProbability {
            displacement = Self.elasticField(size: o, alpha: Float(a.elasticAlpha), sigma: Float(a.elasticSigma), rng: &rng)
        }
        var out = Self.resample(src, channels: c, size: s, outSize: o, geometry: g, displacement: displacement)
        let plane = o * o
        if a.intensityJitter > 0 || a.contrastJitter > 0 || a.intensityShift > 0 {
            for ch in 0..<c {
                let b = a.intensityJitter > 0 ? max(1 + Float(a.intensityJitter) * rng.normal(), 0.5) : 1
                let k = a.contrastJitter > 0 ? max(1 + Float(a.contrastJitter) * rng.normal(), 0.5) : 1
                let offset = a.intensityShift > 0 ? Float(a.intensityShift) * rng.normal() : 0
                let shift = (b - 1) * intensityOffsets[ch] + offset
                var mean: Float = 0
                if k != 1 {
                    for j in 0..<plane { mean += out[ch * plane + j] * b + shift }
                    mean /= Float(plane)
                }
                for j in 0..<plane {
                    let v = out[ch * plane + j] * b + shift
                    out[ch * plane + j] = k == 1 ? v : k * (v - mean) + mean
                }
            }
        }
        if a.blurProbability > 0, rng.uniformDouble() < a.blurProbability {
            let sigma = Float(rng.uniformDouble(a.blurSigmaMin, a.blurSigmaMax))
            Self.blur(&out, channels: c, size: o, sigma: sigma)
        }
        if a.channelDrop > 0, c > 1, rng.uniformDouble() < a.channelDrop {
            let drop = Int(rng.next() % UInt64(c))
            for j in 0..<plane { out[drop * plane + j] = 0 }
        }
        return out
    }

    /// torchvision's RandomResizedCrop box: area fraction in `scale`, aspect ratio
    /// log-uniform in `ratio`, integer size and corner; the whole crop after 10 misses.
    static func cropBox(size s: Int, scale: (Double, Double), ratio: (Double, Double), rng: inout SeededRandom) -> Geometry {
        let area = Double(s * s)
        for _ in 0..<10 {
            let target = area * rng.uniformDouble(scale.0, scale.1)
            let aspect = exp(rng.uniformDouble(log(ratio.0), log(ratio.1)))
            let w = Int((target * aspect).squareRoot().rounded()), h = Int((target / aspect).squareRoot().rounded())
            guard w > 0, h > 0, w <= s, h <= s else { continue }
            let y0 = Int(rng.next() % UInt64(s - h + 1)), x0 = Int(rng.next() % UInt64(s - w + 1))
            return Geometry(x0: Double(x0), y0: Double(y0), width: Double(w), height: Double(h))
        }
        return Geometry(x0: 0, y0: 0, width: Double(s), height: Double(s))
    }

    /// A smooth random displacement field over an `o` x `o` view (dx, dy in pixels).
    static func elasticField(size o: Int, alpha: Float, sigma: Float, rng: inout SeededRandom) -> ([Float], [Float]) {
        func component() -> [Float] {
            let noise = Image(width: o, height: o, pixels: (0..<(o * o)).map { _ in rng.uniform(-1, 1) })
            return gaussianBlur(noise, sigma: sigma).pixels.map { $0 * alpha }
        }
        let dx = component()
        return (dx, component())
    }

    /// Bilinear resampling of the geometry's box to `o` x `o` (pixel centres aligned, as
    /// `align_corners=False`), with the view's pixel (x, y) first moved by the displacement,
    /// then rotated and flipped into box coordinates.
    static func resample(_ src: [Float], channels c: Int, size s: Int, outSize o: Int,
                         geometry g: Geometry, displacement: ([Float], [Float])?) -> [Float] {
        var out = [Float](repeating: 0, count: c * o * o)
        let sx = g.width / Double(o), sy = g.height / Double(o), last = Double(s - 1), on = Double(o - 1)
        src.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { q in
                for y in 0..<o {
                    for x in 0..<o {
                        var u = Double(x), v = Double(y)
                        if let d = displacement { u += Double(d.0[y * o + x]); v += Double(d.1[y * o + x]) }
                        for _ in 0..<g.rotation { (u, v) = (on - v, u) }
                        if g.flipX { u = on - u }
                        if g.flipY { v = on - v }
                        let fx = min(max(g.x0 + (u + 0.5) * sx - 0.5, 0), last)
                        let fy = min(max(g.y0 + (v + 0.5) * sy - 0.5, 0), last)
                        let ix = Int(fx), iy = Int(fy)
                        let tx = Float(fx - Double(ix)), ty = Float(fy - Double(iy))
                        let ix1 = min(ix + 1, s - 1), iy1 = min(iy + 1, s - 1)
                        for ch in 0..<c {
                            let base = ch * s * s
                            let top = p[base + iy * s + ix] * (1 - tx) + p[base + iy * s + ix1] * tx
                            let bottom = p[base + iy1 * s + ix] * (1 - tx) + p[base + iy1 * s + ix1] * tx
                            q[(ch * o + y) * o + x] = top * (1 - ty) + bottom * ty
                        }
                    }
                }
            }
        }
        return out
    }

    /// Gaussian blur of each `o` x `o` channel plane in place (Imaging's separable filter).
    static func blur(_ planes: inout [Float], channels c: Int, size o: Int, sigma: Float) {
        let plane = o * o
        for ch in 0..<c {
            let image = Image(width: o, height: o, pixels: Array(planes[(ch * plane)..<((ch + 1) * plane)]))
            planes.replaceSubrange((ch * plane)..<((ch + 1) * plane), with: gaussianBlur(image, sigma: sigma).pixels)
        }
    }

    /// Centre crop or zero-pad to `o` (evaluation and embedding: no randomness).
    public static func center(_ src: [Float], channels c: Int, size s: Int, outSize o: Int) -> [Float] {
        if o == s { return src }
        var out = [Float](repeating: 0, count: c * o * o)
        let off = (s - o) / 2
        for ch in 0..<c {
            for y in 0..<o {
                for x in 0..<o {
                    let sy = y + off, sx = x + off
                    if sy >= 0 && sy < s && sx >= 0 && sx < s { out[(ch * o + y) * o + x] = src[(ch * s + sy) * s + sx] }
                }
            }
        }
        return out
    }
}
