import XCTest
import Foundation
import Tensor
@testable import NeuralNet

/// ViT-tiny forward and backward against timm on identical formula-defined weights and
/// input (fixture from scripts/reference/vit_parity.py), including a 48x48 input whose
/// position embedding is bicubically resized.
final class ViTParityTests: XCTestCase {
    struct Fixture: Decodable {
        let names: [String]
        let logits: [Float]
        let loss: Float
        let input_grad: [Float]
        let grads: [String: [Float]]
        let logits48: [Float]
    }

    /// vit_parity.py's `fill`: as torch_parity.py's but with 0.01-scale biases.
    static func fill(_ k: Int, _ name: String, _ shape: [Int]) -> [Float] {
        let n = shape.reduce(1, *)
        return (0..<n).map { i in
            let s = sin(0.37 * Double(i) + 1.3 * Double(k))
            if shape.count >= 2 { return Float(s / (Double(n / shape[0])).squareRoot()) }
            return Float(name.hasSuffix("weight") ? 1 + 0.1 * s : 0.01 * s)
        }
    }

    static func sinus(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, (0..<shape.reduce(1, *)).map { Float(sin(0.11 * Double($0))) })
    }

    func compare(_ ours: [Float], _ ref: [Float], _ what: String, rtol: Float) {
        XCTAssertEqual(ours.count, ref.count, what)
        let scale = ref.map { Swift.abs($0) }.max() ?? 1
        let maxAbs = zip(ours, ref).map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(maxAbs, rtol * scale, "\(what): max abs error \(maxAbs), reference max \(scale)")
        print("vit parity \(what): max abs \(maxAbs), relative to max \(maxAbs / scale)")
    }

    func testViTTinyMatchesTimm() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/vit_tiny_parity.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let model = VisionTransformer(.tiny, patch: 16, imageSize: 32, inChannels: 3, numClasses: 10)
        model.train(false)
        let params = model.namedParameters()
        XCTAssertEqual(params.map(\.0), fixture.names)
        for (k, (name, p)) in params.enumerated() { p.assign(Tensor(shape: p.shape, Self.fill(k, name, p.shape))) }
        let x = Self.sinus([2, 3, 32, 32])
        x.requiresGrad = true
        let logits = model(x)
        let loss = crossEntropy(logits, targets: [3, 7])
        loss.backward()
        compare(logits.toArray(), fixture.logits, "logits", rtol: 1e-4)
        compare([loss.item], [fixture.loss], "loss", rtol: 1e-5)
        compare(x.grad!.toArray(), fixture.input_grad, "input grad", rtol: 1e-3)
        let byName = Dictionary(uniqueKeysWithValues: params)
        for (name, ref) in fixture.grads.sorted(by: { $0.key < $1.key }) {
            compare(byName[name]!.grad!.toArray(), ref, "grad \(name)", rtol: 1e-3)
        }
        let logits48 = withNoGrad { model(Self.sinus([1, 3, 48, 48])) }
        compare(logits48.toArray(), fixture.logits48, "logits 48x48 (resized pos_embed)", rtol: 1e-4)
    }
}
