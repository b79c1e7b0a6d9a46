import XCTest
import Foundation
import Tensor
@testable import NeuralNet

final class SafeTensorsTests: XCTestCase {
    func testRoundTripRestoresModelOutputs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = CNN4(inChannels: 2, numClasses: 4, seed: 1), b = CNN4(inChannels: 2, numClasses: 4, seed: 2)
        let url = dir.appendingPathComponent("m.safetensors")
        try SafeTensors.write(a.stateDict(), to: url)
        try b.load(SafeTensors.read(url), source: url.path)
        a.train(false); b.train(false)
        var rng = RandomGenerator(seed: 0)
        let x = Tensor.normal([1, 2, 16, 16], rng: &rng)
        XCTAssertEqual(withNoGrad { a(x) }.toArray(), withNoGrad { b(x) }.toArray())
    }

    func testTruncatedFileNamesTheProblem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.safetensors")
        try SafeTensors.write([("w", Tensor.ones([4, 4]))], to: url)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 8).write(to: url)
        XCTAssertThrowsError(try SafeTensors.read(url)) { error in
            XCTAssertTrue("\(error)".contains("'w'"), "\(error)")
        }
    }
}
