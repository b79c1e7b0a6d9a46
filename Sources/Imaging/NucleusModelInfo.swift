import Foundation
import Core
import NeuralNet

/// `model.json` beside a nucleus segmenter's `model.safetensors`: everything needed to
/// rebuild the network and feed it as it was trained (architecture, the input's intensity
/// normalization, the meaning of each output map), plus how the weights were made.
public struct NucleusModelInfo: Codable, Equatable, Sendable {
    public static let formatName = "phenoscope-nucleus-segmenter"

    /// What produced the weights: data, split and training length, for the model card.
    public struct Training: Codable, Equatable, Sendable {
        public var data: String
        public var kinds: [AnnotatedNuclei.Kind]
        public var trainImages: Int
        public var validationImages: Int
        public var steps: Int
        public var batchSize: Int
        public var patchSize: Int
        public var seconds: Double
        public var bestValidationLoss: Double
        public var bestStep: Int

        public init(data: String, kinds: [AnnotatedNuclei.Kind], trainImages: Int, validationImages: Int, steps: Int,
                    batchSize: Int, patchSize: Int, seconds: Double, bestValidationLoss: Double, bestStep: Int) {
            self.data = data; self.kinds = kinds; self.trainImages = trainImages; self.validationImages = validationImages
            self.steps = steps; self.batchSize = batchSize; self.patchSize = patchSize; self.seconds = seconds
            self.bestValidationLoss = bestValidationLoss; self.bestStep = bestStep
        }

        enum CodingKeys: String, CodingKey {
            case data, kinds, trainImages = "train_images", validationImages = "validation_images", steps,
                 batchSize = "batch_size", patchSize = "patch_size", seconds, bestValidationLoss = "best_validation_loss",
                 bestStep = "best_step"
        }
    }

    public var format = NucleusModelInfo.formatName
    public var version = 1
    public var unet: UNet.Config
    public var normalization: PercentileNormalization
    /// Output channels in order: logits of `NucleusMaps`' foreground and normalized distance.
    public var outputs = ["foreground", "distance"]
    public var weights = "model.safetensors"
    public var training: Training?

    public init(unet: UNet.Config, normalization: PercentileNormalization, training: Training?) {
        self.unet = unet
        self.normalization = normalization
        self.training = training
    }

    public static func read(_ url: URL) throws -> NucleusModelInfo {
        guard let data = try? Data(contentsOf: url) else { throw ImageIOError(file: url.path, "cannot read the model description") }
        let info: NucleusModelInfo
        do { info = try JSONDecoder().decode(NucleusModelInfo.self, from: data) } catch {
            throw ImageIOError(file: url.path, "not a nucleus model description: \(error)")
        }
        guard info.format == formatName, info.version == 1 else {
            throw ImageIOError(file: url.path, "format '\(info.format)' version \(info.version); expected '\(formatName)' version 1")
        }
        guard info.unet.inChannels == 1, info.unet.outChannels == 2, info.outputs == ["foreground", "distance"] else {
            throw ImageIOError(file: url.path, "expected a 1-channel input and outputs [foreground, distance]")
        }
        return info
    }

    public func write(_ url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}
