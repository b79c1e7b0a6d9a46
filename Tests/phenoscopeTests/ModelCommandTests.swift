import Core
import Foundation
import Learning
import NeuralNet
import Tensor
import XCTest
@testable import phenoscope

/// `phenoscope model import` and `model forward` end to end on a torchvision-style ResNet-18
/// state dict (with its classifier): imported to 2 channels, then run on a tensor. The
/// expected features come from a 2-channel backbone given the same weights by hand, its
/// first layer adapted as timm's `adapt_input_conv` (RGB filters repeated, cut to 2 and
/// scaled by 3 / 2).
final class ModelCommandTests: XCTestCase {
    func testImportAdaptsAndDropsTheHeadAndForwardRunsIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("model-cmd-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try ModelFactory.makeBackbone("resnet18", channels: 3, size: 32, patch: 16, seed: 7)
        var random = SeededRandom(seed: 3)
        let stock = source.stateDict() + [("fc.weight", Tensor(shape: [10, 512], (0..<5120).map { _ in random.uniform(-1, 1) })),
                                          ("fc.bias", Tensor(shape: [10], (0..<10).map { _ in random.uniform(-1, 1) }))]
        let src = dir.appendingPathComponent("r18.safetensors")
        try SafeTensors.write(stock, to: src)
        let out = dir.appendingPathComponent("imported")
        try ModelImportCommand.parse([src.path, "--arch", "resnet18", "--in-chans", "2", "--size", "32", "--out", out.path]).run()

        let info = try BackboneInfo.read(folder: out)
        XCTAssertEqual(info, BackboneInfo(arch: "resnet18", channels: 2, imageSize: 32, patchSize: 16, dim: 512, method: "import",
                                          channelNames: nil, channelMean: nil, channelStd: nil))
        let exported = try SafeTensors.read(out.appendingPathComponent("backbone.safetensors"))
        XCTAssertNil(exported["fc.weight"])
        XCTAssertEqual(exported["conv1.weight"]?.shape, [64, 2, 7, 7])

        // The reference: the same weights put into a 2-channel backbone by hand.
        let reference = try ModelFactory.makeBackbone("resnet18", channels: 2, size: 32, patch: 16, seed: 0)
        var weights = Dictionary(uniqueKeysWithValues: source.stateDict())
        let rgb = try XCTUnwrap(weights["conv1.weight"]).toArray()
        var adapted = [Float](repeating: 0, count: 64 * 2 * 49)
        for o in 0..<64 { for i in 0..<2 { for k in 0..<49 { adapted[(o * 2 + i) * 49 + k] = rgb[(o * 3 + i) * 49 + k] * 1.5 } } }
        weights["conv1.weight"] = Tensor(shape: [64, 2, 7, 7], adapted)
        try reference.load(weights, source: "reference")
        reference.train(false)
        let x = Tensor(shape: [2, 2, 32, 32], (0..<(2 * 2 * 32 * 32)).map { _ in random.uniform(-1, 1) })
        let expected = withNoGrad { reference.features(x) }.toArray()

        let input = dir.appendingPathComponent("x.safetensors"), output = dir.appendingPathComponent("y.safetensors")
        try SafeTensors.write([("input", x)], to: input)
        try ModelForwardCommand.parse(["--model", out.path, "--input", input.path, "--out", output.path]).run()
        let y = try XCTUnwrap(SafeTensors.read(output)["output"])
        XCTAssertEqual(y.shape, [2, 512])
        for (a, b) in zip(y.toArray(), expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }

        // Wrong inputs are one line naming what was expected.
        try SafeTensors.write([("input", Tensor(shape: [1, 3, 32, 32], [Float](repeating: 0, count: 3 * 32 * 32)))], to: input)
        XCTAssertThrowsError(try ModelForwardCommand.parse(["--model", out.path, "--input", input.path, "--out", output.path]).run()) {
            XCTAssertTrue("\($0)".contains("'input' has shape [1, 3, 32, 32]; expected [batch, 2, 32, 32]"), "\($0)")
        }
        XCTAssertThrowsError(try ModelImportCommand.parse([src.path, "--arch", "vit-tiny", "--out", dir.appendingPathComponent("v").path]).run()) {
            XCTAssertTrue("\($0)".contains("no 4-D 'patch_embed.proj.weight'; not a vit-tiny checkpoint"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("v").path))
    }

    /// The preprocessing options land in model.json; bad ones are one line naming the option.
    func testImportRecordsChannelNamesStatisticsAndScaling() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("model-prep-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("r18.safetensors")
        try SafeTensors.write(try ModelFactory.makeBackbone("resnet18", channels: 2, size: 32, patch: 16, seed: 7).stateDict(), to: src)
        let out = dir.appendingPathComponent("imported")
        let base = [src.path, "--arch", "resnet18", "--size", "32", "--out", out.path]
        try ModelImportCommand.parse(base + ["--channels", "DNA, Actin", "--mean", "0.1", "--std", "0.2,0.3", "--intensity-divisor", "255"]).run()
        var info = try BackboneInfo.read(folder: out)
        XCTAssertEqual(info.channelNames, ["DNA", "Actin"])
        XCTAssertEqual(info.channelMean, [0.1, 0.1])
        XCTAssertEqual(info.channelStd, [0.2, 0.3])
        XCTAssertEqual(info.intensityScaling, IntensityScaling(divisor: 255))

        // A timm config json: the statistics under pretrained_cfg.
        let config = dir.appendingPathComponent("config.json")
        try Data(#"{"architecture": "resnet18", "pretrained_cfg": {"input_size": [2, 32, 32], "mean": [0.4, 0.5], "std": [0.2, 0.25]}}"#.utf8).write(to: config)
        try ModelImportCommand.parse(base + ["--config", config.path]).run()
        info = try BackboneInfo.read(folder: out)
        XCTAssertNil(info.channelNames)
        XCTAssertEqual(info.channelMean, [0.4, 0.5])
        XCTAssertEqual(info.channelStd, [0.2, 0.25])
        XCTAssertEqual(info.intensityScaling, .sixteenBit)

        func refused(_ extra: [String], _ message: String) {
            XCTAssertThrowsError(try ModelImportCommand.parse(base + extra).run(), extra.joined(separator: " ")) {
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
        }
        refused(["--channels", "DNA,Actin,Mito"], "--channels: 3 names (DNA,Actin,Mito); expected 2 non-empty names")
        refused(["--channels", "DNA,DNA"], "--channels: DNA,DNA repeats a name")
        refused(["--mean", "0.1"], "--mean and --std go together; got only --mean")
        refused(["--mean", "0.1", "--std", "0"], "--mean/--std: std [0.0]; expected positive deviations")
        refused(["--mean", "x", "--std", "1"], "--mean: 'x' is not a finite number")
        refused(["--mean", "0.1", "--std", "1", "--config", config.path], "give one")
        refused(["--intensity-divisor", "0"], "--intensity-divisor: 0.0; expected a positive number")
        try Data(#"{"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}"#.utf8).write(to: config)
        refused(["--config", config.path], "std has 3 values, the model takes 2 channels")
        try Data("not json".utf8).write(to: config)
        refused(["--config", config.path], "not a config json with numeric 'mean' and 'std' lists")
        try Data(#"{"pretrained_cfg": {"mean": [0.5]}}"#.utf8).write(to: config)
        refused(["--config", config.path], "no 'mean' and 'std' lists")
    }
}
