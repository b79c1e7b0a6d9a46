import Foundation
import XCTest
@testable import Learning

/// Experiment tracking: CRC32C and TFRecord framing known answers, the run folder layout, and
/// (when Python can install it) TensorBoard's own reader on our event file.
final class RunTrackerTests: XCTestCase {
    func testCRC32CKnownAnswers() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 B.4: 32 bytes of zeros.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
    }

    func testRecordFraming() {
        let payload: [UInt8] = [1, 2, 3]
        let framed = TensorBoardWriter.frame(payload)
        XCTAssertEqual(framed.count, 8 + 4 + 3 + 4)
        XCTAssertEqual(Array(framed[0..<8]), [3, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = framed[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        let crc = CRC32C.checksum(framed[0..<8])
        XCTAssertEqual(lengthCRC, ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
        XCTAssertEqual(Array(framed[12..<15]), payload)
        let dataCRC = framed[15..<19].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        XCTAssertEqual(dataCRC, CRC32C.masked(payload))
    }

    private func makeRun() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tracker-\(UUID())")
        let tracker = try RunTracker(directory: dir, configYAML: "name: t\n")
        try tracker.log(step: 1, epoch: 0, [("train/loss", 2.5), ("lr", 0.1)])
        try tracker.log(step: 2, epoch: 0, [("train/loss", 1.25)])
        try tracker.log(step: 3, epoch: 1, [("val/accuracy", .nan)])
        return dir
    }

    func testRunFolderLayout() throws {
        let dir = try makeRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("config.yaml"), encoding: .utf8), "name: t\n")
        let commit = try String(contentsOf: dir.appendingPathComponent("git_commit.txt"), encoding: .utf8)
        XCTAssertFalse(commit.isEmpty)
        let lines = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["train/loss"] as? Double, 2.5)
        XCTAssertEqual(first["step"] as? Int, 1)
        let third = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as! [String: Any]
        XCTAssertTrue(third["val/accuracy"] is NSNull)
        // Non-root ranks write nothing.
        let other = dir.appendingPathComponent("rank1")
        let silent = try RunTracker(directory: other, configYAML: "x", isWriter: false)
        try silent.log(step: 1, epoch: 0, [("a", 1)])
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.path))
    }

    /// TensorBoard's EventAccumulator reads back the tags, steps and values.
    func testTensorBoardReadsEventFile() throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile)
        guard let python else { throw XCTSkip("python3 not found; TensorBoard cross-check skipped") }
        let dir = try makeRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/reference/tensorboard_check.py")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script.path, dir.appendingPathComponent("tensorboard").path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus == 2 { throw XCTSkip("tensorboard could not be installed (pip/network unavailable)") }
        XCTAssertEqual(p.terminationStatus, 0)
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        XCTAssertEqual(json["tags"] as? [String], ["lr", "train/loss", "val/accuracy"])
        let scalars = json["scalars"] as! [String: [[Any]]]
        XCTAssertEqual(scalars["train/loss"]?.map { $0[0] as? Int }, [1, 2])
        XCTAssertEqual(scalars["train/loss"]?.map { $0[1] as? Double }, [2.5, 1.25])
        XCTAssertEqual(scalars["lr"]?.first?[1] as? Double ?? 0, 0.1, accuracy: 1e-7)
        XCTAssertTrue(scalars["val/accuracy"]?.first?[1] is NSNull)
    }
}
