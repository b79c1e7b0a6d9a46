import Foundation
import NeuralNet
import Screen
import Tensor

/// A trained backbone ready to embed crops: reads `model.json` (arch, channels, image size,
/// patch) and `backbone.safetensors` (or the given .safetensors) from a run folder, and maps
/// crops to features with the same preprocessing as training (intensity / 65535, per-channel
/// standardization over the store, centre crop or pad to the image size).
public struct Embedder {
    public let backbone: Backbone
    public let imageSize: Int
    public let channels: Int
    public var dim: Int { backbone.dim }

    public struct EmbedError: Error, CustomStringConvertible { public let description: String }

    /// `untrained`: the architecture's initial weights for the run's seed (a random baseline).
    public init(model: URL, untrained: Bool = false) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model.path, isDirectory: &isDir) else {
            throw EmbedError(description: "\(model.path): no such run folder or .safetensors file")
        }
        let folder = isDir.boolValue ? model : model.deletingLastPathComponent()
        let infoURL = folder.appendingPathComponent("model.json")
        guard let data = try? Data(contentsOf: infoURL),
              let info = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let arch = info["arch"] as? String, let channels = info["channels"] as? Int,
              let size = info["image_size"] as? Int, let patch = info["patch_size"] as? Int else {
            throw EmbedError(description: "\(infoURL.path): missing or lacks arch, channels, image_size, patch_size")
        }
        let seed = (try? Checkpoint.read(folder)).map { UInt64($0.config.seed) } ?? 0
        backbone = try ModelFactory.makeBackbone(arch, channels: channels, size: size, patch: patch, seed: seed)
        if !untrained {
            let weights = isDir.boolValue ? try Trainer.weightsURL(model.path) : model
            try backbone.load(try SafeTensors.read(weights), source: weights.path)
        }
        backbone.train(false)
        imageSize = size
        self.channels = channels
    }

    /// Features of every cell of `store`, row-major [cells, dim]; `advance` gets batch sizes.
    public func embed(store: CropStore, batchSize: Int, advance: (Int) -> Void = { _ in }) throws -> [Float] {
        guard store.header.channels.count == channels else {
            throw EmbedError(description: "\(store.directory.path): \(store.header.channels.count) channels, the model expects \(channels)")
        }
        let data = try CropDataset.open(store.directory, labelColumn: store.cells.header.first ?? "")
        return embed(count: data.count, size: data.size, batchSize: batchSize, crop: data.crop, advance: advance)
    }

    /// Features of `count` standardized crops (`crop(i)`: channels x size x size floats, as
    /// `CropDataset.crop` gives them), row-major [count, dim]: the store's cells in a run,
    /// an uploaded site's cells in a query by image.
    public func embed(count: Int, size: Int, batchSize: Int, crop: (Int) -> [Float], advance: (Int) -> Void = { _ in }) -> [Float] {
        var out = [Float](); out.reserveCapacity(count * dim)
        for start in stride(from: 0, to: count, by: max(1, batchSize)) {
            let part = Array(start..<min(count, start + max(1, batchSize)))
            let flat = part.flatMap { CellAugmentation.center(crop($0), channels: channels, size: size, outSize: imageSize) }
            out += withNoGrad { backbone.features(Tensor(shape: [part.count, channels, imageSize, imageSize], flat)) }.toArray()
            advance(part.count)
        }
        return out
    }
}
