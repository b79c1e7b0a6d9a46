import Foundation
import NeuralNet
import Screen
import Tensor

/// A trained backbone ready to embed crops: reads `model.json` (`BackboneInfo`) and
/// `backbone.safetensors` (or the given .safetensors) from a run folder, and maps crops to
/// features with the same preprocessing as training (intensity / 65535, per-channel
/// standardization with the training store's statistics recorded in model.json — the store's
/// own for older files — channels put in the model's order by their recorded names, then
/// centre crop or pad to the image size).
public struct Embedder {
    public let backbone: Backbone
    public let imageSize: Int
    public let channels: Int
    /// The training statistics crops are standardized with; nil: the embedded store's own.
    public let standardization: CropDataset.Standardization?
    /// model.json: the recorded channel names and statistics that stores are matched against.
    public let info: BackboneInfo
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
        self.info = info
    }

    /// Where each of the model's channels sits among `names` (`BackboneInfo.channelOrder`).
    public func channelOrder(of names: [String], source: String) throws -> [Int] {
        do { return try info.channelOrder(of: names, source: source) } catch let e as BackboneInfo.InfoError {
            throw EmbedError(description: e.description)
        }
    }

    /// Features of every cell of `store`, row-major [cells, dim]; `advance` gets batch sizes.
    public func embed(store: CropStore, batchSize: Int, advance: (Int) -> Void = { _ in }) throws -> [Float] {
        let names = store.header.channels, source = store.directory.path
        let order: [Int], given: CropDataset.Standardization?
        do {
            order = try info.channelOrder(of: names, source: source)
            given = try info.standardization(forChannels: names, source: source)
        } catch let e as BackboneInfo.InfoError {
            throw EmbedError(description: e.description)
        }
        let data = try CropDataset.open(store.directory, labelColumn: store.cells.header.first ?? "", standardization: given)
        return embed(count: data.count, size: data.size, batchSize: batchSize, channelOrder: order, crop: data.crop, advance: advance)
    }

    /// Features of `count` standardized crops (`crop(i)`: channels x size x size floats, as
    /// `CropDataset.crop` gives them), row-major [count, dim]: the store's cells in a run,
    /// an uploaded site's cells in a query by image. `channelOrder` (from `channelOrder(of:)`)
    /// says which of the crop's channels is the model's first, second, ...; nil: the same order.
    public func embed(count: Int, size: Int, batchSize: Int, channelOrder: [Int]? = nil, crop: (Int) -> [Float],
                      advance: (Int) -> Void = { _ in }) -> [Float] {
        let plane = size * size
        let reorder: ([Float]) -> [Float] = channelOrder.map { order in
            order == Array(0..<channels) ? { $0 } : { x in order.flatMap { x[($0 * plane)..<(($0 + 1) * plane)] } }
        } ?? { $0 }
        var out = [Float](); out.reserveCapacity(count * dim)
        for start in stride(from: 0, to: count, by: max(1, batchSize)) {
            let part = Array(start..<min(count, start + max(1, batchSize)))
            let flat = part.flatMap { CellAugmentation.center(reorder(crop($0)), channels: channels, size: size, outSize: imageSize) }
            out += withNoGrad { backbone.features(Tensor(shape: [part.count, channels, imageSize, imageSize], flat)) }.toArray()
            advance(part.count)
        }
        return out
    }
}
