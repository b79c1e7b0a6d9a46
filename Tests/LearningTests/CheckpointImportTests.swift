import XCTest
import Foundation
import Tensor
import NeuralNet
@testable import Learning

/// Stock torchvision/timm checkpoints fitted to Phenoscope backbones, against fixtures made
/// by torch/timm themselves (scripts/reference/interop_fixtures.py fixtures).
final class CheckpointImportTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/interop")

    func json(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent(name))) as? [String: Any])
    }

    func floats(_ any: Any?) -> [Float] { (any as? [Double] ?? []).map(Float.init) }

    func testEveryDtypeReadsAsTorchConvertsIt() throws {
        let entries = try SafeTensors.readEntries(fixtures.appendingPathComponent("dtypes.safetensors"))
        let expected = try json("dtypes.json")
        XCTAssertEqual(Set(entries.keys), Set(expected.keys))
        let dtypes: [String: SafeTensors.DType] = ["f32": .f32, "f64": .f64, "f16": .f16, "bf16": .bf16, "i64": .i64, "i32": .i32,
                                                    "i16": .i16, "i8": .i8, "u8": .u8, "bool": .bool, "num_batches_tracked": .i64]
        for (name, e) in entries {
            let want = try XCTUnwrap(expected[name] as? [String: Any])
            XCTAssertEqual(e.dtype, dtypes[name], name)
            XCTAssertEqual(e.tensor.shape, want["shape"] as? [Int], name)
            XCTAssertEqual(e.tensor.toArray(), floats(want["values"]), name)  // exact: torch's .float() of the same bits
        }
    }

    func testPositionEmbeddingResampleMatchesTimm() throws {
        let fx = try json("pos_embed.json")
        let pos = Tensor(shape: try XCTUnwrap(fx["shape"] as? [Int]), floats(fx["input"]))
        let resized = try XCTUnwrap(fx["resized"] as? [String: Any])
        XCTAssertEqual(resized.count, 3)
        for (key, values) in resized {
            let g = try XCTUnwrap(Int(key))
            let ours = try CheckpointImport.resamplePositionEmbedding(pos, tokens: 1 + g * g)
            XCTAssertEqual(ours.shape, [1, 1 + g * g, 4])
            let want = floats(values)
            let worst = zip(ours.toArray(), want).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-5, "grid 14 -> \(g)")
            XCTAssertEqual(Array(ours.toArray().prefix(4)), Array(pos.toArray().prefix(4)), "class token kept")
        }
        // The non-antialiased resize (what the ViT uses on the fly) differs when shrinking:
        // the fixture tells the two apart.
        let plain = Tensor.bicubicResizeMatrix(from: 14, to: 6), aa = Tensor.antialiasedBicubicResizeMatrix(from: 14, to: 6)
        XCTAssertGreaterThan(zip(plain.toArray(), aa.toArray()).map { abs($0 - $1) }.max()!, 0.01)
    }

    func testInputConvolutionAdaptationMatchesTimm() throws {
        let fx = try json("adapt_input_conv.json")
        let w = Tensor(shape: try XCTUnwrap(fx["shape"] as? [Int]), floats(fx["input"]))
        let adapted = try XCTUnwrap(fx["adapted"] as? [String: Any])
        XCTAssertEqual(adapted.count, 4)
        for (key, values) in adapted {
            let c = try XCTUnwrap(Int(key))
            let ours = try CheckpointImport.adaptInputConvolution(w, channels: c)
            XCTAssertEqual(ours.shape, [4, c, 3, 3])
            let worst = zip(ours.toArray(), floats(values)).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-6, "3 -> \(c) channels")
        }
        XCTAssertThrowsError(try CheckpointImport.adaptInputConvolution(Tensor.ones([2, 4, 3, 3]), channels: 2, name: "conv1.weight")) {
            XCTAssertTrue("\($0)".contains("conv1.weight has 4 input channels"), "\($0)")
        }
    }

    /// A torchvision-style resnet18 state dict as a user saves it: I64 num_batches_tracked,
    /// half-precision weights, the 1000-class fc.
    func stockResNetEntries(from net: Backbone) -> [String: SafeTensors.Entry] {
        var entries: [String: SafeTensors.Entry] = [:]
        for (name, t) in net.stateDict() {
            if name.hasSuffix("num_batches_tracked") {
                entries[name] = .init(dtype: .i64, tensor: Tensor(shape: [], [1234]))
            } else {
                entries[name] = .init(dtype: .f16, tensor: Tensor(shape: t.shape, t.toArray().map { Float(Float16($0)) }))
            }
        }
        entries["fc.weight"] = .init(dtype: .f16, tensor: Tensor.zeros([1000, 512]))
        entries["fc.bias"] = .init(dtype: .f16, tensor: Tensor.zeros([1000]))
        return entries
    }

    func testStockResNetFitsWithCastsAndWithoutItsHead() throws {
        let source = try ModelFactory.makeBackbone("resnet18", channels: 3, size: 64, patch: 16, seed: 1)
        let target = try ModelFactory.makeBackbone("resnet18", channels: 3, size: 64, patch: 16, seed: 2)
        XCTAssertFalse(target.stateDict().contains { $0.0.hasPrefix("fc.") }, "a ResNet backbone has no classifier")
        let fitted = try CheckpointImport.fit(stockResNetEntries(from: source), to: target, source: "r18.safetensors")
        XCTAssertTrue(fitted.notes.contains("dropped the classifier head (a backbone has none): fc.bias [1000], fc.weight [1000, 512]"), "\(fitted.notes)")
        XCTAssertTrue(fitted.notes.contains { $0.hasPrefix("cast ") && $0.contains("F16") && $0.contains("20 I64") }, "\(fitted.notes)")
        try target.load(fitted.tensors, source: "r18")
        let want = Dictionary(uniqueKeysWithValues: source.stateDict())
        for (name, t) in target.stateDict() {
            if name.hasSuffix("num_batches_tracked") { XCTAssertEqual(t.toArray(), [1234]); continue }
            XCTAssertEqual(t.toArray(), want[name]!.toArray().map { Float(Float16($0)) }, name)
        }
    }

    func testThreeChannelResNetAdaptsToTwoChannels() throws {
        let source = try ModelFactory.makeBackbone("resnet18", channels: 3, size: 64, patch: 16, seed: 1)
        let target = try ModelFactory.makeBackbone("resnet18", channels: 2, size: 64, patch: 16, seed: 2)
        let notes = try CheckpointImport.fit(stockResNetEntries(from: source), to: target, source: "r18").notes
        XCTAssertTrue(notes.contains("adapted conv1.weight from 3 to 2 input channels"), "\(notes)")
    }

    func testTimmViTAt224FitsA96PixelFiveChannelBackbone() throws {
        let source = try ModelFactory.makeBackbone("vit-tiny", channels: 3, size: 224, patch: 16, seed: 1)
        let target = try ModelFactory.makeBackbone("vit-tiny", channels: 5, size: 96, patch: 16, seed: 2)
        var entries = source.stateDict().reduce(into: [String: SafeTensors.Entry]()) { $0[$1.0] = .init(dtype: .f32, tensor: $1.1) }
        entries["head.weight"] = .init(dtype: .f32, tensor: Tensor.zeros([1000, 192]))
        entries["head.bias"] = .init(dtype: .f32, tensor: Tensor.zeros([1000]))
        let fitted = try CheckpointImport.fit(entries, to: target, source: "vit.safetensors")
        XCTAssertEqual(fitted.notes, [
            "dropped the classifier head (a backbone has none): head.bias [1000], head.weight [1000, 192]",
            "resampled pos_embed [1, 197, 192] to [1, 37, 192] (antialiased bicubic, class token kept)",
            "adapted patch_embed.proj.weight from 3 to 5 input channels",
        ])
        try target.load(fitted.tensors, source: "vit")
        XCTAssertEqual(target.stateDict().first { $0.0 == "pos_embed" }!.1.shape, [1, 37, 192])
    }

    func testOtherArchitecturesAndMissingTensorsAreRefusedByName() throws {
        let net = try ModelFactory.makeBackbone("resnet18", channels: 3, size: 64, patch: 16, seed: 1)
        var entries = stockResNetEntries(from: net)
        entries["layer1.2.conv1.weight"] = .init(dtype: .f32, tensor: Tensor.zeros([64, 64, 3, 3]))  // a resnet34 block
        XCTAssertThrowsError(try CheckpointImport.fit(entries, to: net, source: "r34.safetensors")) {
            XCTAssertTrue("\($0)".contains("r34.safetensors: 1 tensors the resnet18 backbone does not have (layer1.2.conv1.weight)"), "\($0)")
        }
        entries["layer1.2.conv1.weight"] = nil
        entries["layer4.1.bn2.running_var"] = nil
        XCTAssertThrowsError(try CheckpointImport.fit(entries, to: net, source: "cut.safetensors")) {
            XCTAssertEqual("\($0)", "cut.safetensors: missing tensor 'layer4.1.bn2.running_var' (expected shape [512])")
        }
        entries["layer4.1.bn2.running_var"] = .init(dtype: .f32, tensor: Tensor.zeros([256]))
        XCTAssertThrowsError(try CheckpointImport.fit(entries, to: net, source: "bad.safetensors")) {
            XCTAssertEqual("\($0)", "bad.safetensors: tensor 'layer4.1.bn2.running_var' has shape [256], expected [512]")
        }
    }

    func testWrappedStateDictsAreUnwrapped() throws {
        let net = try ModelFactory.makeBackbone("resnet18", channels: 3, size: 64, patch: 16, seed: 1)
        var entries = [String: SafeTensors.Entry]()
        for (k, v) in stockResNetEntries(from: net) { entries["module." + k] = v }
        entries["optimizer_step"] = .init(dtype: .i64, tensor: Tensor(shape: [], [5]))
        let notes = try CheckpointImport.fit(entries, to: net, source: "ddp").notes
        XCTAssertEqual(notes.first, "took the 122 tensors under 'module.' (1 others left out)")
    }
}
