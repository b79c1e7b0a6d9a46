import Foundation
import NeuralNet
import Screen
import Tensor

/// A trained backbone ready to embed crops: reads `model.json` (`BackboneInfo`) and
/// `backbone.safetensors` (or the given .safetensors) from a run folder, and maps crops to
/// features with the same preprocessing as training (intensity / 65535, per-channel
/// standardization with the training store's statistics recorded in model.json — the store's
/// own for older files — then centre crop or pad to the image size).
public struct Embedder {
    public let backbone: Backbone
    public let imageSize: Int
    public let channels: Int
    /// The training statistics crops are standardized with; nil: the embedded store's own.
    public let standardization: CropDataset.Standardization?
    public var dim: Int { backbone.dim }

    public struct EmbedError: Error, CustomStringConvertible { public let description: String }

    /// `untrained`: the architecture's initial weights for the run's seed (a random baseline).
    public init(model: URL, untrained: Bool = false) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model.path, isDirectory: &isDir) else {
            throw EmbedError(description: "\(model.path): no such run folder or .safetensors file")
        }
        let folder = BackboneInfo.folder(of: model)
        let info: BackboneInfo
        do { info = try BackboneInfo.read(folder: folder) } catch let e as BackboneInfo.InfoError {
            throw EmbedError(description: e.description)
        }
        let seed = (try? Checkpoint.read(folder)).map { UInt64($0.config.seed) } ?? 0
        backbone = try ModelFactory.makeBackbone(info.arch, channels: info.channels, size: info.imageSize, patch: info.patchSize, seed: seed)
        if !untrained {
            let weights = isDir.boolValue ? try Trainer.weightsURL(model.path) : model
            try backbone.load(try SafeTensors.read(weights), source: weights.path)
        }
        backbone.train(false)
        imageSize = info.imageSize
        channels = info.channels
        standardization = info.standardization
    }

    /// Features of every cell of `store`, row-major [cells, dim]; `advance` gets batch sizes.
    public func embed(store: CropStore, batchSize: Int, advance: (Int) -> Void = { _ in }) throws -> [Float] {
        guard store.header.channels.count == channels else {
            throw EmbedError(description: "\(store.directory.path): \(store.header.channels.count) channels, the model expects \(channels)")
        }
        let data = try CropDataset.open(store.directory, labelColumn: store.cells.header.first ?? "", standardization: standardization)
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
