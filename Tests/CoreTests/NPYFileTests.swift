import XCTest
import Foundation
@testable import Core

/// Checks `.npy` reading against files numpy wrote (scripts/reference/make_npy_fixtures.py)
/// and writing against numpy's exact bytes.
final class NPYFileTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/npy")

    func testReadsNumpyFiles() throws {
        let f32 = try NPYArray.read(fixtures.appendingPathComponent("f32_2x3.npy"))
        XCTAssertEqual(f32.shape, [2, 3])
        XCTAssertEqual(f32.floats(), [-0.5, -0.25, 0, 0.25, 0.5, 0.75])
        XCTAssertEqual(try NPYArray.read(fixtures.appendingPathComponent("f32_fortran.npy")), f32)
        XCTAssertEqual(try NPYArray.read(fixtures.appendingPathComponent("f64_3.npy")).floats(), [1.5, -2.25, 1e10])
        XCTAssertEqual(try NPYArray.read(fixtures.appendingPathComponent("i64_2x2.npy")).int64s(), [1, -2, 3, 1 << 40])
        XCTAssertEqual(try NPYArray.read(fixtures.appendingPathComponent("u16_be.npy")).int64s(), [1, 256, 65535])
        XCTAssertEqual(try NPYArray.read(fixtures.appendingPathComponent("f16_4.npy")).floats(), [0.5, -1, 65504, Float(Float16(0.1))])
        let scalar = try NPYArray.read(fixtures.appendingPathComponent("u8_scalar_shape.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.int64s(), [7])
    }

    func testWritesNumpysBytes() throws {
        let numpy = try Data(contentsOf: fixtures.appendingPathComponent("f32_2x3.npy"))
        let ours = NPYArray(float32: [-0.5, -0.25, 0, 0.25, 0.5, 0.75], shape: [2, 3]).encoded()
        XCTAssertEqual(ours, numpy)
        let big = NPYArray(int64: [5, 6], shape: [2])
        XCTAssertEqual(try NPYArray.parse(big.encoded()), big)
    }

    func testLayoutLocatesTheElementsWithoutReadingThem() throws {
        let array = NPYArray(uint16: [1, 2, 3, 4, 5, 6], shape: [1, 2, 3])
        let file = array.encoded()
        let layout = try NPYArray.layout(file, source: "u.npy")
        XCTAssertEqual(layout, NPYArray.Layout(shape: [1, 2, 3], dtype: .uint16, dataOffset: file.count - 12, bigEndian: false, fortranOrder: false))
        XCTAssertEqual(layout.dataOffset % 64, 0)
        XCTAssertEqual(file[layout.dataOffset...], array.bytes)
        let be = try NPYArray.layout(try Data(contentsOf: fixtures.appendingPathComponent("u16_be.npy")))
        XCTAssertTrue(be.bigEndian)
        XCTAssertTrue(try NPYArray.layout(try Data(contentsOf: fixtures.appendingPathComponent("f32_fortran.npy"))).fortranOrder)
        XCTAssertThrowsError(try NPYArray.layout(file.dropLast(), source: "u.npy")) {
            XCTAssertTrue("\($0)".hasPrefix("u.npy: truncated data"), "\($0)")
        }
    }

    func testBadFilesGiveOneLineErrors() throws {
        let good = try Data(contentsOf: fixtures.appendingPathComponent("f32_2x3.npy"))
        for cut in [0, 5, 9, 40, good.count - 1] {
            XCTAssertThrowsError(try NPYArray.parse(good.prefix(cut), source: "x.npy")) { e in
                XCTAssertTrue("\(e)".hasPrefix("x.npy: "), "\(e)")
            }
        }
        var complex = good
        complex.replaceSubrange(20..<23, with: Array("c8'".utf8))
        XCTAssertThrowsError(try NPYArray.parse(complex, source: "c.npy"))
        XCTAssertThrowsError(try NPYArray.read(fixtures.appendingPathComponent("missing.npy")))
    }

    /// Issue 21: a header whose shape product overflows must be a clean error, not a trap,
    /// and a shape larger than the bytes present must say so.
    func testForgedShapesAreCleanErrors() throws {
        func header(_ shape: String) -> Data {
            var text = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            text += String(repeating: " ", count: 63 - (10 + text.utf8.count) % 64) + "\n"
            var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)])
            d.append(contentsOf: text.utf8)
            d.append(contentsOf: [UInt8](repeating: 0, count: 32))
            return d
        }
        for (shape, expected) in [("(9223372036854775807, 2)", "overflows"), ("(4611686018427387904, 4611686018427387904)", "overflows"),
                                  ("(2305843009213693952,)", "overflows"), ("(1000000, 1000000)", "truncated data"),
                                  ("(-1, 2)", "bad shape entry"), ("(99999999999999999999, 1)", "bad shape entry"),
                                  (")(", "header lacks")] {   // found by scripts/fuzz.sh: trapped in a backwards range
            XCTAssertThrowsError(try NPYArray.parse(header(shape), source: "h.npy"), shape) { e in
                XCTAssertTrue("\(e)".hasPrefix("h.npy: "), "\(e)")
                XCTAssertTrue("\(e)".contains(expected), "\(shape): \(e)")
                XCTAssertFalse("\(e)".contains("\n"), "\(e)")
            }
        }
        XCTAssertEqual(try NPYArray.parse(header("(2, 4)"), source: "h.npy").shape, [2, 4])
    }
}
