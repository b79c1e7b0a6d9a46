import ArgumentParser
import Core
import Foundation
import Learning
import NeuralNet
import Tensor

/// `phenoscope model`: backbones that travel between Phenoscope and PyTorch. `import`
/// turns a stock torchvision/timm checkpoint into a Phenoscope model folder; `forward`
/// runs a model folder on a tensor, so a PyTorch script can compare outputs on the same input.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Import torchvision/timm checkpoints as Phenoscope backbones; run a backbone on a tensor.",
        subcommands: [ModelImportCommand.self, ModelForwardCommand.self])
}

/// `phenoscope model import SRC --arch A --out DIR`: reads a safetensors or .pth state dict (a
/// torchvision ResNet, a timm ViT, or a Phenoscope run), fits it to the architecture at the
/// given channel count and input size (`CheckpointImport`: dtype casts, classifier dropped,
/// position embedding resampled, first layer adapted, each printed as one line on stderr) and
/// writes DIR/backbone.safetensors + DIR/model.json, usable as `init_from` and by `embed`.
/// The input preprocessing the checkpoint was trained with goes into model.json when given:
/// channel names (`--channels`), per-channel mean and std (`--mean`/`--std`, or the `mean`,
/// `std` of a timm-style config json, `--config`), and the intensity divisor they assume.
struct ModelImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a torchvision/timm safetensors checkpoint as a Phenoscope backbone folder.")

    @Argument(help: "A .safetensors or torch.save .pth state dict (or a Phenoscope run folder).") var source: String
    @Option(help: "Architecture: resnet18, resnet50, vit-tiny, vit-small, vit-base.") var arch: String
    @Option(help: "Input channels (default: the checkpoint's first layer's).") var inChans: Int?
    @Option(help: "Input side in pixels (default: the checkpoint's for a ViT, 224 for a ResNet).") var size: Int?
    @Option(help: "ViT patch side.") var patch = 16
    @Option(help: "Output folder (backbone.safetensors + model.json).") var out: String
    @Option(name: .customLong("channels"),
            help: "Channel names in the model's input order, comma-separated (recorded; stores are matched by name).")
    var channelNames: String?
    @Option(help: "Per-channel input mean the checkpoint was trained with, comma-separated (after --intensity-divisor).")
    var mean: String?
    @Option(help: "Per-channel input standard deviation, comma-separated.") var std: String?
    @Option(help: "A timm/Hugging Face style config json whose 'mean' and 'std' (top level or under 'pretrained_cfg') are the input statistics.")
    var config: String?
    @Option(help: "Intensities are divided by this before --mean/--std apply: 65535 (16-bit to [0, 1]) or 255 (8-bit data, as ImageNet checkpoints expect).")
    var intensityDivisor: Double = 65535

    func run() throws {
        guard ModelFactory.architectures.contains(arch), arch != "cnn4" else {
            throw ValidationError("--arch: '\(arch)'; expected resnet18, resnet50, vit-tiny, vit-small or vit-base")
        }
        let url = try Trainer.weightsURL(source)
        let entries = try StateDictFile.readEntries(url)
        let isViT = arch.hasPrefix("vit")
        guard patch >= 1 else { throw ValidationError("--patch: expected >= 1, got \(patch)") }
        let firstLayer = isViT ? "patch_embed.proj.weight" : "conv1.weight"
        let stored = (["", "module.", "backbone.", "model."].lazy.compactMap { entries[$0 + firstLayer] }.first)
        guard let stored, stored.tensor.rank == 4 else {
            throw ValidationError("\(url.path): no 4-D '\(firstLayer)'; not a \(arch) checkpoint")
        }
        let channels = inChans ?? stored.tensor.shape[1]
        guard (1...64).contains(channels) else { throw ValidationError("--in-chans: expected 1 to 64, got \(channels)") }
        var side = size ?? 224
        if isViT, size == nil,
           let pos = ["", "module.", "backbone.", "model."].lazy.compactMap({ entries[$0 + "pos_embed"] }).first, pos.tensor.rank == 3 {
            let grid = Int(Double(max(0, pos.tensor.shape[1] - 1)).squareRoot())
            side = grid * patch
        }
        guard (patch...4096).contains(side), !isViT || side % patch == 0 else {
            throw ValidationError("--size: \(side); expected \(isViT ? "a multiple of the patch \(patch)" : "a side") between \(patch) and 4096")
        }
        let preprocessing = try InputPreprocessing.parse(names: channelNames, mean: mean, std: std, config: config,
                                                          divisor: intensityDivisor, channelCount: channels)
        let backbone = try ModelFactory.makeBackbone(arch, channels: channels, size: side, patch: patch, seed: 0)
        let fitted: CheckpointImport
        do { fitted = try CheckpointImport.fit(entries, to: backbone, source: url.path) } catch let e as CheckpointImport.ImportError {
            throw ValidationError(e.description)
        }
        try backbone.load(fitted.tensors, source: url.path)
        for note in fitted.notes { FileHandle.standardError.write(Data("model import \(source): \(note)\n".utf8)) }
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafeTensors.write(backbone.stateDict(), to: folder.appendingPathComponent("backbone.safetensors"))
        try BackboneInfo(arch: arch, channels: channels, imageSize: side, patchSize: patch, dim: backbone.dim, method: "import",
                         channelNames: preprocessing.names, channelMean: preprocessing.mean, channelStd: preprocessing.std,
                         intensityScaling: IntensityScaling(divisor: intensityDivisor))
            .write(to: folder.appendingPathComponent("model.json"))
        print(folder.path)
    }
}

/// `phenoscope model forward --model DIR --input X.safetensors --out Y.safetensors`: the
/// backbone's features (eval mode) of the tensor `input` [B, channels, size, size] in X,
/// written as `output` [B, dim]: the Phenoscope side of a parity check against PyTorch.
struct ModelForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a backbone (eval mode) on the tensor 'input' of a safetensors file; write 'output'.")

    @Option(help: "A model folder (model.json + backbone.safetensors) or a run folder.") var model: String
    @Option(help: "A .safetensors file holding 'input' [batch, channels, size, size].") var input: String
    @Option(help: "Output .safetensors (tensor 'output' [batch, dim]).") var out: String

    func run() throws {
        let embedder = try Embedder(model: URL(fileURLWithPath: model))
        let tensors = try SafeTensors.read(URL(fileURLWithPath: input))
        let expected = "[batch, \(embedder.channels), \(embedder.imageSize), \(embedder.imageSize)]"
        guard let x = tensors["input"] else { throw ValidationError("\(input): no tensor 'input'; expected \(expected)") }
        guard x.rank == 4, x.shape[0] >= 1, x.shape[1] == embedder.channels, x.shape[2] == embedder.imageSize, x.shape[3] == embedder.imageSize else {
            throw ValidationError("\(input): 'input' has shape \(x.shape); expected \(expected)")
        }
        let y = withNoGrad { embedder.backbone.features(x) }
        try SafeTensors.write([("output", y)], to: URL(fileURLWithPath: out))
    }
}
