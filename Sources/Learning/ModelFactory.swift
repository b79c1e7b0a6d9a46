import NeuralNet
import Tensor

/// Builds the named architectures (cnn4, resnet18, resnet50, vit-tiny/small/base) for the
/// bench verbs, training and embedding, and exposes each as a `Backbone`.
public enum ModelFactory {
    public static let architectures = ["cnn4", "resnet18", "resnet50", "vit-tiny", "vit-small", "vit-base"]

    public struct UnknownArchitecture: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "unknown model '\(name)'; expected \(ModelFactory.architectures.joined(separator: ", "))" }
    }

    /// The full classifier network (for benchmarks): `classes` outputs.
    public static func makeModel(_ name: String, channels: Int, size: Int, patch: Int = 16, classes: Int,
                                 seed: UInt64) throws -> any Layer {
        switch name {
        case "cnn4": return CNN4(inChannels: channels, numClasses: classes, seed: seed)
        case "resnet18": return ResNet(.resnet18, inChannels: channels, numClasses: classes, seed: seed)
        case "resnet50": return ResNet(.resnet50, inChannels: channels, numClasses: classes, seed: seed)
        case "vit-tiny", "vit-small", "vit-base":
            return VisionTransformer(VisionTransformer.Preset.named(name)!, patch: patch, imageSize: size,
                                     inChannels: channels, numClasses: classes, seed: seed)
        default: throw UnknownArchitecture(name: name)
        }
    }

    /// The feature extractor: CNN4/ResNet global-pooled features, ViT class token.
    public static func makeBackbone(_ name: String, channels: Int, size: Int, patch: Int, seed: UInt64) throws -> Backbone {
        // ResNets and ViTs carry no classifier (timm's num_classes=0), so an exported backbone
        // loads strictly into torchvision/timm; CNN4 keeps its 1-output fc (no stock twin).
        let net = try makeModel(name, channels: channels, size: size, patch: patch,
                                classes: name == "cnn4" ? 1 : 0, seed: seed)
        return Backbone(network: net, architectureName: name)
    }
}

/// A network used as a feature extractor: `features(x)` [B, dim]. ResNets and ViTs have no
/// classifier; CNN4's placeholder `fc` is left out of `trainableNamedParameters`, which
/// feature training never touches. `stateDict()` names are exactly torchvision's / timm's.
public final class Backbone: Module {
    public let network: any Layer
    public var isTraining = true
    public let dim: Int
    /// The `ModelFactory` name it was built from (resnet18, vit-tiny, ...).
    public let architectureName: String

    init(network: any Layer, architectureName: String) {
        self.network = network
        self.architectureName = architectureName
        switch network {
        case let c as CNN4: dim = c.featureDim
        case let r as ResNet: dim = r.featureDim
        case let v as VisionTransformer: dim = v.embeddingDim
        default: preconditionFailure("Backbone: unsupported network \(type(of: network))")
        }
    }

    /// Parameters and buffers under the network's own names (no prefix).
    public var children: [(String, any Module)] { network.children }
    public var localParameters: [(String, Tensor)] { network.localParameters }
    public var localBuffers: [(String, Tensor)] { network.localBuffers }

    /// The parameters feature training updates.
    public var trainableNamedParameters: [(String, Tensor)] {
        namedParameters().filter { !$0.0.hasPrefix("fc.") }
    }

    public func features(_ x: Tensor) -> Tensor {
        switch network {
        case let c as CNN4: return c.features(x)
        case let r as ResNet: return r.features(x)
        case let v as VisionTransformer: return v.embed(x)
        default: preconditionFailure("unreachable")
        }
    }

    /// The weight of the first layer, the one that sees the input channels
    /// (timm's `pretrained_cfg['first_conv']`).
    public var inputConvolutionName: String {
        network is VisionTransformer ? "patch_embed.proj.weight" : network is ResNet ? "conv1.weight" : "features.0.conv.weight"
    }

    public func train(_ on: Bool = true) {
        isTraining = on
        network.train(on)
    }
}
