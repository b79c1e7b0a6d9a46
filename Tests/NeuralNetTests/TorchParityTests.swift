import XCTest
import Foundation
import Tensor
@testable import NeuralNet

/// ResNet-18 forward and backward against torchvision on identical formula-defined
/// weights and input (fixture from scripts/reference/torch_parity.py).
final class TorchParityTests: XCTestCase {
    struct Fixture: Decodable {
        let logits: [Float]
        let loss: Float
        let grads: [String: [Float]]
    }

    /// Same formula as torch_parity.py's `fill`.
    static func fill(_ k: Int, _ name: String, _ shape: [Int]) -> [Float] {
        let n = shape.reduce(1, *)
        return (0..<n).map { i in
            let s = sin(0.37 * Double(i) + 1.3 * Double(k))
            if shape.count >= 2 { return Float(s / (Double(n / shape[0])).squareRoot()) }
            return Float(name.hasSuffix("weight") ? 1 + 0.1 * s : 0.1 * s)
        }
    }

    func testResNet18MatchesTorchvision() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/resnet18_parity.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let model = ResNet(.resnet18, inChannels: 3, numClasses: 10)
        model.train(false)
        let params = model.namedParameters()
        for (k, (name, p)) in params.enumerated() { p.assign(Tensor(shape: p.shape, Self.fill(k, name, p.shape))) }
        let x = Tensor(shape: [2, 3, 64, 64], (0..<(2 * 3 * 64 * 64)).map { Float(sin(0.11 * Double($0))) })
        let logits = model(x)
        let loss = crossEntropy(logits, targets: [0, 1])
        loss.backward()

        func compare(_ ours: [Float], _ ref: [Float], _ what: String, rtol: Float) {
            XCTAssertEqual(ours.count, ref.count, what)
            let scale = ref.map { Swift.abs($0) }.max() ?? 1
            let maxAbs = zip(ours, ref).map { Swift.abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(maxAbs, rtol * scale, "\(what): max abs error \(maxAbs), reference max \(scale)")
            print("parity \(what): max abs \(maxAbs), relative to max \(maxAbs / scale)")
        }
        compare(logits.toArray(), fixture.logits, "logits", rtol: 1e-4)
        compare([loss.item], [fixture.loss], "loss", rtol: 1e-5)
        let byName = Dictionary(uniqueKeysWithValues: params)
        for (name, ref) in fixture.grads.sorted(by: { $0.key < $1.key }) {
            compare(byName[name]!.grad!.toArray(), ref, "grad \(name)", rtol: 1e-3)
        }
    }
}
