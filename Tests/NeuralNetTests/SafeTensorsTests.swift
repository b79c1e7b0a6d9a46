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

    /// Shapes and dtypes come from the file: an overflowing or negative shape, an unknown
    /// dtype and offsets past the end are one-line errors naming the tensor, checked before
    /// anything is allocated.
    func testHostileHeadersAreRefusedByName() throws {
        func file(_ header: String, dataBytes: Int = 8) -> Data {
            var json = Data(header.utf8)
            while json.count % 8 != 0 { json.append(0x20) }
            var d = Data()
            withUnsafeBytes(of: UInt64(json.count).littleEndian) { d.append(contentsOf: $0) }
            return d + json + Data(count: dataBytes)
        }
        let cases: [(String, String)] = [
            (#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, "tensor 'w': shape [4611686018427387904, 4] is not a valid size"),
            (#"{"w":{"dtype":"F32","shape":[-2,-4],"data_offsets":[0,32]}}"#, "tensor 'w': shape [-2, -4] is not a valid size"),
            (#"{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, "tensor 'w': dtype F8_E4M3, expected one of F64, F32, F16, BF16"),
            (#"{"w":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}}"#, "tensor 'w': data_offsets [0, 16] do not fit shape [8] of F16 in the file"),
            (#"{"w":{"dtype":"I64","shape":[1],"data_offsets":[8,0]}}"#, "tensor 'w': data_offsets [8, 0] do not fit shape [1] of I64 in the file"),
        ]
        for (header, message) in cases {
            XCTAssertThrowsError(try SafeTensors.decode(file(header), file: "h.safetensors")) {
                XCTAssertTrue("\($0)".hasPrefix("h.safetensors: " + message), "\($0)")
            }
        }
        // A well-formed F16 tensor of the same file layout reads.
        let ok = try SafeTensors.decode(file(#"{"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}"#), file: "ok")
        XCTAssertEqual(ok["w"]?.dtype, .f16)
        XCTAssertEqual(ok["w"]?.tensor.shape, [2, 2])
    }
}
