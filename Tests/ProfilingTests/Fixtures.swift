import Foundation
import XCTest
@testable import Profiling

/// The fixtures written by scripts/reference/eval_reference.py.
enum Fixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func table(_ name: String, allowMissing: Bool = false) throws -> ProfileTable {
        try ProfileTable(contentsOf: url(name), allowMissing: allowMissing)
    }

    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: url("expected.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

/// A temporary directory removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("profiling-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
