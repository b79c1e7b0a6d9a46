import Core
import Foundation

/// `model.json` beside a trained backbone (`phenoscope train`): what rebuilds the network and
/// feeds it as it was trained — architecture, input size and patch, channel names in order,
/// and the training crop store's per-channel mean and standard deviation of intensity / 65535
/// (the standardization the network learned on, as timm's pretrained config carries its own),
/// and the intensity scaling those statistics are in (`IntensityScaling`), so a cell gives the
/// same embedding from whichever store it is read.
///
/// Files written before the statistics were recorded have none; `Embedder` then standardizes
/// with the statistics of the store it reads, as it always did.
public struct BackboneInfo: Codable, Equatable, Sendable {
    public var arch: String
    public var channels: Int
    public var imageSize: Int
    public var patchSize: Int
    public var dim: Int?
    public var method: String?
    public var channelNames: [String]?
    public var channelMean: [Double]?
    public var channelStd: [Double]?
    /// What `channelMean` and `channelStd` are statistics of; nil (older files): intensity / 65535.
    public var intensityScaling: IntensityScaling?

    public init(arch: String, channels: Int, imageSize: Int, patchSize: Int, dim: Int?, method: String?,
                channelNames: [String]?, channelMean: [Double]?, channelStd: [Double]?,
                intensityScaling: IntensityScaling? = .sixteenBit) {
        self.arch = arch; self.channels = channels; self.imageSize = imageSize; self.patchSize = patchSize
        self.dim = dim; self.method = method; self.channelNames = channelNames
        self.channelMean = channelMean; self.channelStd = channelStd
        self.intensityScaling = intensityScaling
    }

    enum CodingKeys: String, CodingKey {
        case arch, channels, imageSize = "image_size", patchSize = "patch_size", dim, method,
             channelNames = "channel_names", channelMean = "channel_mean", channelStd = "channel_std",
             intensityScaling = "intensity_scaling"
    }

    public struct InfoError: Error, CustomStringConvertible { public let description: String }

    /// The recorded standardization, when it is complete and usable (one finite mean and one
    /// positive finite deviation per channel), restated in intensity / 65535 (the units crops
    /// are read in) from the recorded `intensityScaling`.
    public var standardization: CropDataset.Standardization? {
        guard let m = channelMean, let s = channelStd, m.count == channels, s.count == channels,
              m.allSatisfy(\.isFinite), s.allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        let scaling = intensityScaling ?? .sixteenBit
        guard scaling.isValid else { return nil }
        return scaling.inSixteenBitUnits(.init(mean: m, std: s))
    }

    /// Where each of the model's channels sits among `names` (a store's or a recipe's channels,
    /// in their order): found by the recorded channel name, so a store that lists the same
    /// channels in another order still feeds the network DNA where it learned DNA. Without
    /// recorded names (older files, imported checkpoints) the order is taken as given and only
    /// the counts must agree. `source` names the channel list in errors.
    public func channelOrder(of names: [String], source: String) throws -> [Int] {
        let listed = "(\(names.joined(separator: ", ")))"
        guard let recorded = channelNames, recorded.count == channels else {
            guard names.count == channels else {
                throw InfoError(description: "\(source): \(names.count) channels \(listed), the model expects \(channels)")
            }
            return Array(0..<channels)
        }
        let expected = "the model's channels are \(recorded.joined(separator: ", "))"
        guard names.count == channels else {
            throw InfoError(description: "\(source): \(names.count) channels \(listed); \(expected)")
        }
        let order = try recorded.map { name in
            guard let i = names.firstIndex(of: name) else {
                throw InfoError(description: "\(source): no channel '\(name)' among \(listed); \(expected)")
            }
            return i
        }
        // Each of the model's channels must take a different channel of the store.
        guard Set(order).count == channels else {
            throw InfoError(description: "\(source): channels \(listed) repeat a name; \(expected)")
        }
        return order
    }

    /// The recorded standardization rearranged to the order of `names` (the channels of the
    /// store it is applied to, matched by `channelOrder`); nil when none is recorded.
    public func standardization(forChannels names: [String], source: String) throws -> CropDataset.Standardization? {
        let order = try channelOrder(of: names, source: source)
        guard let given = standardization else { return nil }
        var mean = given.mean, std = given.std
        for (k, i) in order.enumerated() { mean[i] = given.mean[k]; std[i] = given.std[k] }
        return .init(mean: mean, std: std)
    }

    /// The folder holding a model's `model.json`: the run folder itself, or the folder of a
    /// .safetensors file.
    public static func folder(of model: URL) -> URL {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: model.path, isDirectory: &isDir) && !isDir.boolValue
            ? model.deletingLastPathComponent() : model
    }

    /// `model.json` in `folder`.
    public static func read(folder: URL) throws -> BackboneInfo {
        let url = folder.appendingPathComponent("model.json")
        guard let data = try? Data(contentsOf: url) else { throw InfoError(description: "\(url.path): cannot read model.json") }
        let info: BackboneInfo
        do { info = try JSONDecoder().decode(BackboneInfo.self, from: data) } catch DecodingError.keyNotFound(let key, _) {
            throw InfoError(description: "\(url.path): no '\(key.stringValue)'; expected arch, channels, image_size, patch_size")
        } catch {
            throw InfoError(description: "\(url.path): not a backbone description (\(error))")
        }
        guard info.channels >= 1, info.imageSize >= 1, info.patchSize >= 1 else {
            throw InfoError(description: "\(url.path): channels \(info.channels), image_size \(info.imageSize), patch_size \(info.patchSize); expected positive values")
        }
        if let names = info.channelNames, names.count != info.channels {
            throw InfoError(description: "\(url.path): channel_names lists \(names.count) channels, channels is \(info.channels)")
        }
        if let scaling = info.intensityScaling, !scaling.isValid {
            throw InfoError(description: "\(url.path): intensity_scaling.divisor \(scaling.divisor); expected a positive finite number (65535: 16-bit intensities to [0, 1])")
        }
        if let m = info.channelMean, let s = info.channelStd, info.standardization == nil {
            throw InfoError(description: "\(url.path): channel_mean (\(m.count)) and channel_std (\(s.count)) must hold one finite value per channel (\(info.channels)), deviations > 0")
        }
        return info
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}
