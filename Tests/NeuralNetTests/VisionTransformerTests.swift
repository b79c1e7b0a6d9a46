import XCTest
import Foundation
import Tensor
@testable import NeuralNet

/// ViT, attention, DINO and projection heads: timm/DINO names and sizes, shapes for other
/// inputs, train/eval dropout, and finite-difference gradchecks through whole modules.
final class VisionTransformerTests: XCTestCase {
    func assertGrad(_ inputs: [Tensor], _ f: @escaping ([Tensor]) -> Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let report = GradCheck.check(inputs, eps: 1e-2, atol: 2e-3, rtol: 2e-2, f)
        XCTAssertTrue(report.passed, report.description, file: file, line: line)
    }

    func testViTTinyMatchesTimmNamesAndParameterCount() {
        let model = VisionTransformer(.tiny, patch: 16, imageSize: 224, inChannels: 3, numClasses: 1000)
        let names = model.namedParameters().map(\.0)
        XCTAssertEqual(Array(names.prefix(4)), ["cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias"])
        for expected in ["blocks.0.norm1.weight", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.bias",
                         "blocks.11.norm2.bias", "blocks.11.mlp.fc1.weight", "blocks.11.mlp.fc2.bias", "norm.weight", "head.weight"] {
            XCTAssertTrue(names.contains(expected), "missing \(expected)")
        }
        // sum(p.numel() for p in timm.create_model('vit_tiny_patch16_224').parameters())
        XCTAssertEqual(model.namedParameters().reduce(0) { $0 + $1.1.count }, 5_717_416)
        XCTAssertEqual(names.count, 152)
    }

    func testPresetSizes() {
        XCTAssertEqual(VisionTransformer.Preset.named("vit-small"), .small)
        XCTAssertEqual(VisionTransformer.Preset.named("base"), .base)
        XCTAssertNil(VisionTransformer.Preset.named("huge"))
        // timm vit_small_patch16_224 / vit_base_patch16_224 without head: 21,665,664 / 85,798,656
        // parameters; one block holds 12 d^2 + 13 d, so with depth 1 instead of 12 (fast in
        // debug builds) the count is 11 blocks less.
        for (preset, timm) in [(VisionTransformer.Preset.small, 21_665_664), (.base, 85_798_656)] {
            let d = preset.dim
            let oneBlock = VisionTransformer(.init(dim: d, depth: 1, heads: preset.heads))
            XCTAssertEqual(oneBlock.parameters.reduce(0) { $0 + $1.count }, timm - 11 * (12 * d * d + 13 * d))
        }
    }

    func testAnyChannelCountPatchAndInputSize() {
        let model = VisionTransformer(.init(dim: 12, depth: 2, heads: 3), patch: 8, imageSize: 32, inChannels: 5, numClasses: 4, seed: 3)
        model.train(false)
        var rng = RandomGenerator(seed: 1)
        XCTAssertEqual(model(Tensor.normal([2, 5, 32, 32], rng: &rng)).shape, [2, 4])
        // 48x48 is a 6x6 grid against the stored 4x4: the position embedding is resized.
        XCTAssertEqual(model.positionEmbedding(grid: 6).shape, [1, 37, 12])
        XCTAssertEqual(model.tokens(Tensor.normal([1, 5, 48, 48], rng: &rng)).shape, [1, 37, 12])
        XCTAssertEqual(model.embed(Tensor.normal([3, 5, 16, 16], rng: &rng)).shape, [3, 12])
        // The class-token row is kept as is by the resize.
        XCTAssertEqual(model.positionEmbedding(grid: 6).toArray().prefix(12), model.posEmbed.toArray().prefix(12))
    }

    func testDropoutOnlyInTrainingAndSeeded() {
        func make() -> VisionTransformer {
            VisionTransformer(.init(dim: 8, depth: 1, heads: 2), patch: 4, imageSize: 8, inChannels: 1, dropout: 0.5, seed: 2)
        }
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.normal([2, 1, 8, 8], rng: &rng)
        let a = make(), b = make()
        XCTAssertEqual(a(x).toArray(), b(x).toArray(), "same seed, same dropout masks")
        let trainOut = a(x).toArray()
        a.train(false)
        let e1 = a(x).toArray(), e2 = a(x).toArray()
        XCTAssertEqual(e1, e2)
        XCTAssertNotEqual(e1, trainOut)
    }

    func testViTGradcheckThroughInputAndParameters() {
        let model = VisionTransformer(.init(dim: 8, depth: 1, heads: 2), patch: 4, imageSize: 8, inChannels: 2, numClasses: 3, seed: 5)
        model.train(false)
        var rng = RandomGenerator(seed: 6)
        // Larger-than-init parameters so every path (attention softmax, MLP) carries gradient.
        for p in model.parameters where p.rank >= 2 { p.assign(Tensor.uniform(p.shape, low: -0.5, high: 0.5, rng: &rng)) }
        let x = Tensor.uniform([2, 2, 8, 8], low: -1, high: 1, rng: &rng)
        assertGrad([x]) { model($0[0]) }
        let qkv = model.blocks[0].attn.qkv.weight, pos = model.posEmbed
        assertGrad([qkv, pos]) { _ in model(x) }
        // Position-embedding resize path.
        assertGrad([pos]) { _ in model.positionEmbedding(grid: 3) }
    }

    func testAttentionMatchesHandComputedSingleHead() {
        var rng = RandomGenerator(seed: 8)
        let attn = MultiheadSelfAttention(dim: 4, heads: 1, rng: &rng)
        let x = Tensor.uniform([1, 3, 4], low: -1, high: 1, rng: &rng)
        let qkv = attn.qkv(x).reshape([3, 12]).toArray()
        var out = [Float](repeating: 0, count: 12)
        for i in 0..<3 {
            var s = (0..<3).map { j in (0..<4).reduce(Float(0)) { $0 + qkv[i * 12 + $1] * qkv[j * 12 + 4 + $1] } / 2 }
            let m = s.max()!
            s = s.map { Foundation.exp($0 - m) }
            let z = s.reduce(0, +)
            for d in 0..<4 { out[i * 4 + d] = (0..<3).reduce(Float(0)) { $0 + s[$1] / z * qkv[$1 * 12 + 8 + d] } }
        }
        let ref = attn.proj(Tensor(shape: [1, 3, 4], out)).toArray()
        for (u, v) in zip(attn(x).toArray(), ref) { XCTAssertEqual(u, v, accuracy: 1e-5) }
        assertGrad([x, attn.qkv.weight, attn.proj.bias!]) { t in attn(t[0]) }
    }

    func testDINOHeadNamesNormalisationAndGradient() {
        let head = DINOHead(inDim: 6, outDim: 10, hiddenDim: 8, bottleneckDim: 4, seed: 1)
        XCTAssertEqual(head.namedParameters().map(\.0),
                       ["mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias", "mlp.4.weight", "mlp.4.bias", "last_layer.weight_v"])
        XCTAssertEqual(head.stateDict().map(\.0).last, "last_layer.weight_g")
        XCTAssertEqual(head.weightG.shape, [10, 1])
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.uniform([3, 6], low: -1, high: 1, rng: &rng)
        // Every logit is a cosine between unit vectors when g = 1.
        XCTAssertTrue(head(x).toArray().allSatisfy { Swift.abs($0) <= 1 + 1e-5 })
        for p in head.mlp.parameters where p.rank == 2 { p.assign(Tensor.uniform(p.shape, low: -1, high: 1, rng: &rng)) }
        assertGrad([x, head.weightV]) { t in head(t[0]) }
        let free = DINOHead(inDim: 6, outDim: 5, hiddenDim: 8, bottleneckDim: 4, normLastLayer: false, seed: 1)
        XCTAssertTrue(free.namedParameters().map(\.0).contains("last_layer.weight_g"))
        assertGrad([free.weightG]) { _ in free(x) }
    }

    func testProjectionHeadIsSequentialLinearReLULinear() {
        let head = ProjectionHead(dims: [6, 5, 3], seed: 4)
        XCTAssertEqual(head.namedParameters().map(\.0), ["0.weight", "0.bias", "2.weight", "2.bias"])
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.uniform([4, 6], low: -1, high: 1, rng: &rng)
        let l1 = head.layers.layers[0] as! Linear, l2 = head.layers.layers[2] as! Linear
        XCTAssertEqual(head(x).toArray(), l2(l1(x).relu()).toArray())
        XCTAssertEqual(head(x).shape, [4, 3])
    }
}

/// Training steps free their activations and gradients: bytes held by live tensor storages
/// are the same after step 3 as after step 10 (counted in TensorStorage, not timed).
final class TrainingMemoryTests: XCTestCase {
    func testLiveBytesStayFlatOverTrainingSteps() {
        let model = VisionTransformer(.init(dim: 8, depth: 2, heads: 2), patch: 4, imageSize: 8, inChannels: 1, numClasses: 3,
                                      dropout: 0.1, seed: 1)
        let cnn = CNN4(inChannels: 1, numClasses: 3, seed: 2)
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([4, 1, 8, 8], rng: &rng), y = [0, 1, 2, 1]
        for net in [model as any Layer, cnn] {
            let opt = AdamW(parameters: net.parameters, learningRate: 1e-3)
            var held: [Int] = []
            for _ in 0..<10 {
                net.zeroGrad()
                let loss = crossEntropy(net(x), targets: y)
                loss.backward()
                opt.step()
                held.append(TensorStorage.liveBytes)
            }
            XCTAssertEqual(held[9], held[2], "live bytes per step: \(held)")
        }
    }
}
