import Foundation
import NeuralNet
import Tensor

/// Fits a checkpoint written elsewhere — a stock torchvision ResNet or timm ViT state dict
/// saved as safetensors or with torch.save (.pth), or a Phenoscope run's — to a `Backbone`, changing only what timm's
/// own pretrained loading changes, and says what it changed (`notes`, one line each):
///
/// - tensors are taken as F32 whatever their stored dtype (F16/BF16/F64 floats, the I64
///   `num_batches_tracked` counters);
/// - classifier heads (`fc.*`, `head.*`, `head_dist.*`) are dropped: a backbone has none;
/// - a ViT `pos_embed` for another grid is resampled as timm's `resample_abs_pos_embed`
///   does (class token kept, the grid resized by antialiased bicubic interpolation);
/// - the first layer's weights are adapted to another input channel count as timm's
///   `adapt_input_conv` does (summed for one channel; else the three RGB filters repeated
///   cyclically and scaled by 3 / channels, so the response to a flat image is kept).
///
/// Anything else that does not fit (a missing tensor, another shape, tensors the
/// architecture does not have) is an error naming the tensor, so a checkpoint of another
/// architecture is refused rather than half loaded.
public struct CheckpointImport {
    public struct ImportError: Error, CustomStringConvertible { public let description: String }

    /// Every tensor of the backbone's state dict, fitted.
    public var tensors: [String: Tensor]
    /// What was cast, dropped, resampled or adapted.
    public var notes: [String]

    /// Reads `url` and fits it to `backbone` (not loaded yet: see `load(_:into:)`).
    public static func fit(_ url: URL, to backbone: Backbone) throws -> CheckpointImport {
        try fit(StateDictFile.readEntries(url), to: backbone, source: url.path)
    }

    /// Reads `url`, fits it and loads it into `backbone`; returns the notes.
    @discardableResult
    public static func load(_ url: URL, into backbone: Backbone) throws -> [String] {
        let fitted = try fit(url, to: backbone)
        try backbone.load(fitted.tensors, source: url.path)
        return fitted.notes
    }

    static let headPrefixes = ["fc.", "head.", "head_dist."]
    /// Wrappers a state dict may sit under: DDP's `module.`, a Phenoscope checkpoint's
    /// `backbone.`, Lightning-style `model.`.
    static let wrapperPrefixes = ["module.", "backbone.", "model."]

    public static func fit(_ entries: [String: SafeTensors.Entry], to backbone: Backbone, source: String) throws -> CheckpointImport {
        let target = backbone.stateDict()
        var notes: [String] = []
        var entries = entries
        if let first = target.first?.0, entries[first] == nil,
           let prefix = wrapperPrefixes.first(where: { entries[$0 + first] != nil }) {
            let inner = entries.filter { $0.key.hasPrefix(prefix) }
            notes.append("took the \(inner.count) tensors under '\(prefix)' (\(entries.count - inner.count) others left out)")
            entries = Dictionary(uniqueKeysWithValues: inner.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        let targetNames = Set(target.map(\.0))
        let heads = entries.keys.filter { k in !targetNames.contains(k) && headPrefixes.contains { k.hasPrefix($0) } }.sorted()
        if !heads.isEmpty {
            let shapes = heads.map { "\($0) \(entries[$0]!.tensor.shape)" }
            notes.append("dropped the classifier head (a backbone has none): \(shapes.joined(separator: ", "))")
        }
        let unexpected = entries.keys.filter { !targetNames.contains($0) && !heads.contains($0) }.sorted()
        if !unexpected.isEmpty {
            throw ImportError(description: "\(source): \(unexpected.count) tensors the \(backbone.architectureName) backbone does not have (\(unexpected.prefix(3).joined(separator: ", "))\(unexpected.count > 3 ? ", ..." : "")); is it a checkpoint of another architecture?")
        }
        var casts: [SafeTensors.DType: Int] = [:]
        var tensors: [String: Tensor] = [:]
        for (name, expected) in target {
            guard let entry = entries[name] else {
                throw ImportError(description: "\(source): missing tensor '\(name)' (expected shape \(expected.shape))")
            }
            if entry.dtype != .f32 { casts[entry.dtype, default: 0] += 1 }
            var t = entry.tensor
            if t.shape != expected.shape {
                if name == "pos_embed" {
                    t = try resamplePositionEmbedding(t, tokens: expected.shape[1], source: source)
                    notes.append("resampled pos_embed \(entry.tensor.shape) to \(expected.shape) (antialiased bicubic, class token kept)")
                } else if name == backbone.inputConvolutionName, t.rank == 4, expected.rank == 4,
                          t.shape[0] == expected.shape[0], Array(t.shape[2...]) == Array(expected.shape[2...]) {
                    t = try adaptInputConvolution(t, channels: expected.shape[1], name: name, source: source)
                    notes.append("adapted \(name) from \(entry.tensor.shape[1]) to \(expected.shape[1]) input channels")
                } else if t.count == expected.count && (t.count == 1 || t.shape.filter { $0 != 1 } == expected.shape.filter { $0 != 1 }) {
                    t = t.reshape(expected.shape)  // a scalar stored as [] or [1]
                } else {
                    throw ImportError(description: "\(source): tensor '\(name)' has shape \(t.shape), expected \(expected.shape)")
                }
            }
            tensors[name] = t
        }
        if !casts.isEmpty {
            let parts = casts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
            notes.append("cast \(parts.joined(separator: ", ")) tensors to F32")
        }
        return CheckpointImport(tensors: tensors, notes: notes)
    }

    /// timm's `resample_abs_pos_embed` with its defaults: [1, 1 + G*G, D] to
    /// [1, tokens, D] (tokens = 1 + g*g), the class token row kept and the G x G grid of
    /// each of the D channels resized to g x g by antialiased bicubic interpolation.
    public static func resamplePositionEmbedding(_ p: Tensor, tokens: Int, source: String = "pos_embed") throws -> Tensor {
        let g = Int(Double(max(0, tokens - 1)).squareRoot())
        guard p.rank == 3, p.shape[0] == 1, p.shape[1] >= 2, g >= 1, g * g == tokens - 1 else {
            throw ImportError(description: "\(source): pos_embed \(p.shape) cannot be resampled to \(tokens) tokens; expected [1, 1 + n*n, dim] for a square grid")
        }
        let grid = Int(Double(p.shape[1] - 1).squareRoot())
        guard grid * grid == p.shape[1] - 1 else {
            throw ImportError(description: "\(source): pos_embed \(p.shape) is not a class token plus a square grid of patches")
        }
        let d = p.shape[2]
        let cls = p.slice(axis: 1, 0..<1)
        let planes = p.slice(axis: 1, 1..<p.shape[1]).reshape([grid, grid, d]).permute([2, 0, 1])  // [D, G, G]
        let r = Tensor.antialiasedBicubicResizeMatrix(from: grid, to: g)
        let resized = r.matmul(planes).matmul(r.transposed())  // [D, g, g]
        return withNoGrad { Tensor.concat([cls, resized.permute([1, 2, 0]).reshape([1, g * g, d])], axis: 1) }
    }

    /// timm's `adapt_input_conv`: [O, I, k, k] first-layer weights for `channels` inputs.
    /// One channel: the I filters summed. Otherwise the weights must be RGB (I = 3): repeated
    /// cyclically to `channels` and scaled by 3 / channels.
    public static func adaptInputConvolution(_ w: Tensor, channels: Int, name: String = "weight", source: String = "") throws -> Tensor {
        guard w.rank == 4, channels >= 1 else {
            throw ImportError(description: "\(source): \(name) has shape \(w.shape); expected [out, in, kh, kw] weights for \(channels) >= 1 channels")
        }
        let (o, i, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let values = w.toArray()
        let plane = kh * kw
        var out = [Float](repeating: 0, count: o * channels * plane)
        if channels == 1 {
            for a in 0..<o { for c in 0..<i { for p in 0..<plane { out[a * plane + p] += values[(a * i + c) * plane + p] } } }
        } else {
            guard i == 3 else {
                throw ImportError(description: "\(source): \(name) has \(i) input channels; only 3-channel (RGB) first layers adapt to \(channels) channels, as in timm")
            }
            let scale = Float(3) / Float(channels)
            for a in 0..<o { for c in 0..<channels { for p in 0..<plane {
                out[(a * channels + c) * plane + p] = values[(a * i + c % 3) * plane + p] * scale
            } } }
        }
        return Tensor(shape: [o, channels, kh, kw], out)
    }
}
