import XCTest
import Foundation
@testable import Core

final class AtomicFileTests: XCTestCase {
    func testFailedWriteLeavesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())")
        let target = dir.appendingPathComponent("out.txt")
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: target) { tmp in
            try Data("partial".utf8).write(to: tmp)
            throw Boom()
        })
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        try AtomicFile.write("whole", to: target)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "whole")
    }
}
