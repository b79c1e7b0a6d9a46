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
}
