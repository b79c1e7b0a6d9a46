import Foundation
import NeuralNet
import Tensor

/// Nucleus segmentation by the trained U-Net (`NucleusModelInfo` + `model.safetensors`, as
/// `phenoscope train-segmenter` writes them), on the CPU in Phenoscope's own engine.
///
/// One plane of any size, bit depth and intensity range goes in; instance labels come out:
/// 1. the model's `PercentileNormalization` over the whole image (not per tile, so every
///    tile sees the same intensity scale);
/// 2. tiled inference: the image, extended by mirroring (`reflectIndex`) as far as needed, is
///    cut into equal tiles whose kept centres (the cores) tile the image; each tile reaches
///    `margin` pixels beyond its core on every side, where `margin` is the network's
///    receptive-field radius rounded up to its size multiple (64 px for the 4-level network),
///    and every tile starts on a multiple of the size multiple, so each kept pixel sees exactly
///    the input it would see in one whole-image pass and the maps do not depend on the tile
///    layout (to float rounding);
/// 3. sigmoid of both output maps, averaged over the four flips of each tile with `tta`;
/// 4. `NucleusMaps.labels`: seeds from the distance map, a watershed over the foreground,
///    small objects removed.
///
/// The network runs in evaluation mode without gradients, so batch norm folds into the
/// convolutions. Calls may come from several threads (a screen's sites run in parallel): the
/// network passes take turns under a lock, each using all compute threads, while decoding and
/// everything else overlap.
public struct NucleusSegmenter: @unchecked Sendable {
    public let info: NucleusModelInfo
    /// Where the model was read from (a folder), for messages and run records.
    public let source: String
    /// Largest tile side fed to the network, margins included (rounded down to the size
    /// multiple; at least one size multiple more than twice the margin).
    public var tileSize = 1536
    /// Average the maps over horizontal and vertical flips (4x the network time).
    public var tta = false
    /// Network arithmetic (bf16 only where `NumericPrecision.unavailableReason` is nil).
    public var precision = NumericPrecision.f32
    public var foregroundThreshold: Float = 0.5
    public var seedThreshold: Float = 0.5
    /// Smallest nucleus kept (pixels).
    public var minArea = 30
    /// Mirrored pixels added around the image before the network sees it (rounded down to
    /// the size multiple, at most `margin`); beyond them the network's own zero padding
    /// applies, as at the edges of its training patches. 16 scores as well as the full 64 on
    /// the validation split (F1 0.881 against 0.882, DSB score 0.623 against 0.622) and
    /// feeds a 1280x1024 site to the network as 1312x1056 instead of 1408x1152 pixels.
    public var border = 16

    let network: UNet
    let lock = NSLock()

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The model in `folder` (`model.json` and the weights file it names).
    public init(folder: URL) throws {
        let jsonURL = folder.appendingPathComponent("model.json")
        guard FileManager.default.fileExists(atPath: jsonURL.path) else {
            throw LoadError(description: "\(folder.path): no model.json (expected a nucleus model folder: model.json + model.safetensors)")
        }
        let info = try NucleusModelInfo.read(jsonURL)
        try Self.validate(info, file: jsonURL.path)
        let weightsURL = folder.appendingPathComponent(info.weights)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw LoadError(description: "\(weightsURL.path): no such weights file (named by \(jsonURL.lastPathComponent))")
        }
        let network = UNet(config: info.unet)
        do {
            try network.load(try SafeTensors.read(weightsURL), source: weightsURL.path)
        } catch let error as SafeTensors.FormatError {
            throw LoadError(description: "\(error.description) (model.json: unet.widths \(info.unet.widths))")
        } catch {
            throw LoadError(description: "\(weightsURL.path): cannot read the weights (\(error.localizedDescription))")
        }
        self.init(info: info, network: network, source: folder.path)
    }

    /// The model folder at `path` (a folder, or its `model.json`), or the shipped model when nil.
    public static func load(_ path: String?) throws -> NucleusSegmenter {
        guard let path else {
            guard let folder = shippedModelFolder() else {
                throw LoadError(description: "no shipped nucleus model: models/nuclei/model.json is not beside this program or above it; pass --model FOLDER (a phenoscope train-segmenter run)")
            }
            return try NucleusSegmenter(folder: folder)
        }
        let url = URL(fileURLWithPath: path)
        return try NucleusSegmenter(folder: url.lastPathComponent == "model.json" ? url.deletingLastPathComponent() : url)
    }

    /// The shipped model's folder: `models/nuclei` in the program's folder or any folder
    /// above it (the repository root, for `.build/<triple>/release/phenoscope` or the test
    /// bundle), or `share/phenoscope/models/nuclei` above it (an installed prefix); nil when
    /// none holds a `model.json`. Found from the running program, never from a fixed path.
    public static func shippedModelFolder(executable: URL? = Bundle.main.executableURL) -> URL? {
        guard var dir = executable?.resolvingSymlinksInPath().deletingLastPathComponent() else { return nil }
        let fm = FileManager.default
        while true {
            for candidate in ["models/nuclei", "share/phenoscope/models/nuclei"] {
                let folder = dir.appendingPathComponent(candidate)
                if fm.fileExists(atPath: folder.appendingPathComponent("model.json").path) { return folder }
            }
            let parent = dir.deletingLastPathComponent()
            guard parent.path != dir.path, !dir.path.isEmpty, dir.path != "/" else { return nil }
            dir = parent
        }
    }

    /// A segmenter over a network already in memory (tests, benchmarks with untrained weights).
    public init(info: NucleusModelInfo, network: UNet, source: String) {
        precondition(network.config == info.unet, "NucleusSegmenter: network and model description differ")
        network.train(false)
        self.info = info
        self.network = network
        self.source = source
    }

    /// What `UNet(config:)` and the tiling need of a description read from a file, checked
    /// before anything is built from it.
    static func validate(_ info: NucleusModelInfo, file: String) throws {
        let w = info.unet.widths
        guard w.count >= 2, w.count <= 6, w.allSatisfy({ $0 >= 1 && $0 <= 1024 }) else {
            throw LoadError(description: "\(file): unet.widths \(w); expected 2 to 6 levels of 1 to 1024 channels")
        }
        let n = info.normalization
        guard n.low >= 0, n.high <= 1, n.low < n.high else {
            throw LoadError(description: "\(file): normalization low \(n.low), high \(n.high); expected 0 <= low < high <= 1")
        }
        guard !info.weights.isEmpty, !info.weights.contains("/") else {
            throw LoadError(description: "\(file): weights '\(info.weights)'; expected a file name in the model folder")
        }
    }

    /// Side multiple of every network input.
    public var sizeMultiple: Int { network.sizeMultiple }

    /// Pixels of context kept around each tile's core: the receptive-field radius of a U-Net
    /// of L levels is at most 2^(L+2) - 6 pixels (3x3 convolutions twice per level on the
    /// way down and up, 2x2 pooling and nearest upsampling between; 51 px exactly for 4
    /// levels), rounded up to the size multiple so tiles start on the pooling grid.
    public var margin: Int {
        let radius = (1 << (info.unet.widths.count + 2)) - 6
        return (radius + sizeMultiple - 1) / sizeMultiple * sizeMultiple
    }

    /// Instance labels of the nuclei in `image` (0 = background, 1...n).
    public func nuclei(_ image: Image<Float>) -> Image<Int32> {
        let (foreground, distance) = maps(image)
        return NucleusMaps.labels(foreground: foreground, distance: distance, foregroundThreshold: foregroundThreshold,
                                  seedThreshold: seedThreshold, minArea: minArea)
    }

    /// The predicted foreground and normalized-distance probabilities, image-sized.
    ///
    /// The reference is one network pass over the extended image E: the image with `border`
    /// mirrored pixels before each side and, after it, enough more to make each side a
    /// multiple of `sizeMultiple`. Tiles cut E into cores that cover the image, each tile
    /// reaching `margin` pixels beyond its core but never beyond E, starting on E's pooling
    /// grid; a kept pixel therefore sees what it sees in the whole pass, and the network's zero
    /// padding falls where it falls in the whole pass.
    public func maps(_ image: Image<Float>) -> (foreground: Image<Float>, distance: Image<Float>) {
        let w = image.width, h = image.height
        var foreground = Image<Float>(width: w, height: h, repeating: 0)
        var distance = Image<Float>(width: w, height: h, repeating: 0)
        guard w > 0, h > 0 else { return (foreground, distance) }
        let input = info.normalization(image)
        let m = sizeMultiple, pad = margin, b = min(border, pad) / m * m
        // Largest core a tile of at most `tileSize` allows, then cores of equal size (a
        // multiple of m) that cover the side in as few tiles as that allows.
        let maxCore = max(m, (tileSize / m * m) - 2 * pad)
        func cores(_ side: Int) -> (count: Int, size: Int, extendedEnd: Int) {
            let count = (side + maxCore - 1) / maxCore
            let size = ((side + count - 1) / count + m - 1) / m * m
            return (count, size, -b + (side + 2 * b + m - 1) / m * m)
        }
        let (nx, coreW, endX) = cores(w), (ny, coreH, endY) = cores(h)
        let flips: [(Bool, Bool)] = tta ? [(false, false), (true, false), (false, true), (true, true)] : [(false, false)]
        for ty in 0..<ny {
            for tx in 0..<nx {
                let cx = tx * coreW, cy = ty * coreH
                let x0 = max(-b, cx - pad), y0 = max(-b, cy - pad)
                let tileW = min(endX, cx + coreW + pad) - x0, tileH = min(endY, cy + coreH + pad) - y0
                var batch = [Float](repeating: 0, count: flips.count * tileW * tileH)
                for (k, (fx, fy)) in flips.enumerated() {
                    let base = k * tileW * tileH
                    for j in 0..<tileH {
                        let sy = reflectIndex(y0 + (fy ? tileH - 1 - j : j), h)
                        for i in 0..<tileW {
                            batch[base + j * tileW + i] = input.pixels[sy * w + reflectIndex(x0 + (fx ? tileW - 1 - i : i), w)]
                        }
                    }
                }
                let logits = infer(batch, count: flips.count, height: tileH, width: tileW)
                // Keep the core (clipped to the image): mean of the flips' probabilities.
                let plane = tileW * tileH
                let scale = 1 / Float(flips.count)
                for y in cy..<min(cy + coreH, h) {
                    let j = y - y0
                    for x in cx..<min(cx + coreW, w) {
                        let i = x - x0
                        var f: Float = 0, d: Float = 0
                        for (k, (fx, fy)) in flips.enumerated() {
                            let at = (fy ? tileH - 1 - j : j) * tileW + (fx ? tileW - 1 - i : i)
                            f += Self.sigmoid(logits[(2 * k) * plane + at])
                            d += Self.sigmoid(logits[(2 * k + 1) * plane + at])
                        }
                        foreground.pixels[y * w + x] = f * scale
                        distance.pixels[y * w + x] = d * scale
                    }
                }
            }
        }
        return (foreground, distance)
    }

    /// One network pass over `count` tiles, [N, 1, H, W] in, [N, 2, H, W] logits out.
    func infer(_ values: [Float], count: Int, height: Int, width: Int) -> [Float] {
        lock.withLock {
            withNoGrad { network.inference(Tensor(shape: [count, 1, height, width], values), precision: precision).toArray() }
        }
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
}
