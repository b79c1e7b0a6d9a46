import Foundation
import Imaging
import Core
import Tensor

/// Makes the training batches of the nucleus segmenter: random square patches of annotated
/// images (already intensity-normalized), zoomed, flipped, rotated and intensity-jittered,
/// with the `NucleusMaps` targets computed from the patch's own labels after resampling, so
/// the targets always match what the network sees.
///
/// Every random choice derives from (seed, step, position in the batch): a resumed run draws
/// exactly the patches an uninterrupted one does.
public struct NucleusPatchSampler: Sendable {
    public let images: [Image<Float>]
    public let labels: [Image<Int32>]
    public let patchSize: Int
    public let augmentation: SegmenterConfig.Augmentation

    public init(images: [Image<Float>], labels: [Image<Int32>], patchSize: Int, augmentation: SegmenterConfig.Augmentation) {
        precondition(!images.isEmpty && images.count == labels.count)
        self.images = images
        self.labels = labels
        self.patchSize = patchSize
        self.augmentation = augmentation
    }

    /// One batch: input [B, 1, P, P] and targets [B, 2, P, P] (foreground, distance).
    public func batch(size: Int, seed: UInt64, step: Int, augment: Bool = true) -> (input: Tensor, targets: Tensor) {
        let p = patchSize, plane = p * p
        var input = [Float](repeating: 0, count: size * plane)
        var targets = [Float](repeating: 0, count: size * 2 * plane)
        DispatchQueue.concurrentPerform(iterations: size) { b in
            var rng = SeededRandom(seed: seed, stream: [UInt64(step), UInt64(b)])
            let (x, fg, dist) = patch(rng: &rng, augment: augment)
            input.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: b * plane).update(from: x.pixels, count: plane) }
            targets.withUnsafeMutableBufferPointer { t in
                t.baseAddress!.advanced(by: (2 * b) * plane).update(from: fg.pixels, count: plane)
                t.baseAddress!.advanced(by: (2 * b + 1) * plane).update(from: dist.pixels, count: plane)
            }
        }
        return (Tensor(shape: [size, 1, p, p], input), Tensor(shape: [size, 2, p, p], targets))
    }

    func patch(rng: inout SeededRandom, augment: Bool) -> (Image<Float>, Image<Float>, Image<Float>) {
        let a = augmentation, p = patchSize
        let index = rng.int(below: images.count)
        let image = images[index], label = labels[index]
        func uniform() -> Double { rng.uniformDouble() }
        func logUniform(_ lo: Double, _ hi: Double) -> Double { lo == hi ? lo : exp(log(lo) + uniform() * (log(hi) - log(lo))) }
        let scale = augment ? logUniform(a.scaleMin, a.scaleMax) : 1
        // The window of the source image the patch shows; an image smaller than the window
        // is centred in it and the rest is background.
        let side = Double(p) / scale
        func origin(_ extent: Int) -> Double {
            let room = Double(extent) - side
            return room > 0 ? uniform() * room : room / 2
        }
        let ox = origin(image.width), oy = origin(image.height)
        var x = Image<Float>(width: p, height: p, repeating: 0)
        var l = Image<Int32>(width: p, height: p, repeating: 0)
        for py in 0..<p {
            let sy = oy + (Double(py) + 0.5) / scale - 0.5
            for px in 0..<p {
                let sx = ox + (Double(px) + 0.5) / scale - 0.5
                x.pixels[py * p + px] = bilinear(image, sx, sy)
                let nx = Int(sx.rounded()), ny = Int(sy.rounded())
                if nx >= 0, ny >= 0, nx < label.width, ny < label.height { l.pixels[py * p + px] = label.pixels[ny * label.width + nx] }
            }
        }
        if augment {
            let flip = a.flips && rng.next() & 1 == 1
            let turns = a.rotate90 ? Int(rng.next() % 4) : 0
            x = orient(x, flip: flip, turns: turns)
            l = orient(l, flip: flip, turns: turns)
            let gamma = Float(logUniform(a.gammaMin, a.gammaMax))
            let gain = max(1 + Float(a.gainJitter) * rng.normal(), 0.3)
            let sigma = Float(uniform() * a.noise)
            for i in x.pixels.indices {
                let v = max(x.pixels[i], 0)
                x.pixels[i] = powf(v, gamma) * gain + sigma * rng.fastNormal()
            }
        }
        let (fg, dist) = NucleusMaps.targets(l)
        return (x, fg, dist)
    }

    /// Bilinear sample at (x, y) in pixel-centre coordinates; 0 outside the image.
    func bilinear(_ image: Image<Float>, _ x: Double, _ y: Double) -> Float {
        let x0 = Int(floor(x)), y0 = Int(floor(y))
        let fx = Float(x - Double(x0)), fy = Float(y - Double(y0))
        func at(_ xx: Int, _ yy: Int) -> Float {
            xx >= 0 && yy >= 0 && xx < image.width && yy < image.height ? image.pixels[yy * image.width + xx] : 0
        }
        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
        let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    }

    /// A square image mirrored left-right when `flip`, then turned `turns` quarter turns.
    func orient<P>(_ image: Image<P>, flip: Bool, turns: Int) -> Image<P> {
        let n = image.width
        var out = image
        for y in 0..<n {
            for x in 0..<n {
                var sx = flip ? n - 1 - x : x, sy = y
                for _ in 0..<turns { (sx, sy) = (sy, n - 1 - sx) }
                out.pixels[y * n + x] = image.pixels[sy * n + sx]
            }
        }
        return out
    }
}
