import Foundation
import XCTest
@testable import NeuralNet

/// `.pth` files as `torch.save` writes them: a fixture made by torch 2.15
/// (scripts/reference/make_pth_fixture.py) read tensor by tensor against the values torch
/// printed, and hostile variants refused in one line.
final class TorchCheckpointTests: XCTestCase {
    struct Expected: Decodable { let dtype: String; let shape: [Int]; let values: [Double] }
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testAStateDictWrittenByTorchReadsAsTorchHasIt() throws {
        let entries = try TorchCheckpoint.readEntries(Self.fixtures.appendingPathComponent("small_state_dict.pth"))
        let expected = try JSONDecoder().decode([String: Expected].self,
                                                from: Data(contentsOf: Self.fixtures.appendingPathComponent("small_state_dict.json")))
        XCTAssertEqual(Set(entries.keys), Set(expected.keys))
        let dtypes: [String: SafeTensors.DType] = ["float32": .f32, "float16": .f16, "bfloat16": .bf16, "int64": .i64, "int32": .i32]
        for (name, want) in expected {
            let got = try XCTUnwrap(entries[name], name)
            XCTAssertEqual(got.dtype, dtypes[want.dtype], name)
            XCTAssertEqual(got.tensor.shape, want.shape, name)
            // Every stored value is exactly a float32, so the comparison is exact.
            XCTAssertEqual(got.tensor.toArray(), want.values.map { Float($0) }, name)
        }
        XCTAssertEqual(entries["1.num_batches_tracked"]?.dtype, .i64)
    }

    func testHostileArchivesAreRefusedInOneLine() throws {
        let good = try Data(contentsOf: Self.fixtures.appendingPathComponent("small_state_dict.pth"))
        func refused(_ data: Data, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try TorchCheckpoint.decode(data, file: "x.pth"), line: line) {
                XCTAssertTrue("\($0)".hasPrefix("x.pth: "), "\($0)", line: line)
                XCTAssertTrue("\($0)".contains(message), "\($0)", line: line)
                XCTAssertFalse("\($0)".contains("\n"), line: line)
            }
        }
        refused(Data("not a zip".utf8), "not a zip archive")
        refused(good.prefix(good.count / 2), "not a zip archive")
        // Every truncation and single-byte corruption either reads or fails with an error; none crashes.
        for cut in stride(from: 0, to: good.count, by: 97) { _ = try? TorchCheckpoint.decode(good.prefix(cut), file: "x.pth") }
        for at in stride(from: 0, to: good.count, by: 7) {
            var bad = good
            bad[at] ^= 0xFF
            _ = try? TorchCheckpoint.decode(bad, file: "x.pth")
        }
        // A pickle calling another global (the way a malicious .pth runs code) is refused by name.
        let pklRange = try XCTUnwrap(StoredZip(good, file: "x.pth").members["small_state_dict/data.pkl"])
        var evil = good
        let global = Array("collections\nOrderedDict\n".utf8), replacement = Array("os\nsystem\n".utf8) + Array(repeating: UInt8(0x20), count: global.count - 10)
        let start = try XCTUnwrap(Array(good[pklRange]).firstRange(of: global)).lowerBound + pklRange.lowerBound
        evil.replaceSubrange(start..<(start + global.count), with: replacement)
        refused(evil, "global os.system")
        // A storage claimed longer than its member (numel 54 -> 255 in the first persistent id).
        var long = good
        let pid: [UInt8] = [0x71, 0x07, 0x4B, 54, 0x74]   // BINPUT 7, BININT1 54, TUPLE
        let numel = try XCTUnwrap(Array(good[pklRange]).firstRange(of: pid)).lowerBound + pklRange.lowerBound + 3
        long[numel] = 255
        refused(long, "'0.weight': storage data/0 holds 216 bytes, expected 255 elements of F32")
    }
}
