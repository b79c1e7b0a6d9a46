import Foundation
import XCTest
import Imaging

/// Locates the committed fixtures (written by scripts/reference/*.py) next to this file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// A raw little-endian array of `T` written by numpy's `tofile`.
    static func raw<T>(_ name: String, as: T.Type) throws -> [T] {
        let data = try Data(contentsOf: url(name))
        return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-imaging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

extension XCTestCase {
    /// Two planes equal pixel for pixel, by bit pattern, so NaN compares too and -0 differs
    /// from 0: what a lossless reader of the same data must give.
    func assertEqual(_ a: Image<Float>, _ b: Image<Float>, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.width, b.width, what, file: file, line: line)
        XCTAssertEqual(a.height, b.height, what, file: file, line: line)
        XCTAssertEqual(a.pixels.map(\.bitPattern), b.pixels.map(\.bitPattern), what, file: file, line: line)
    }
}
