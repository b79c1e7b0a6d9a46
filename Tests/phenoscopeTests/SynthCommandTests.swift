import Foundation
import XCTest
@testable import phenoscope

final class SynthCommandTests: XCTestCase {
    func testBadOptionsAreRejectedWithTheirName() {
        for (args, expected) in [
            (["--out", "/tmp/x", "--wells", "100"], "--wells must be 96 or 384"),
            (["--out", "/tmp/x", "--plates", "0"], "--plates must be between 1 and 1000, got 0"),
            // Issue 21: these crashed (2^62 plates, 1e9 sites: allocation aborts) or ran away
            // (2^62 compounds per MoA: gigabytes of layout) before a file was written.
            (["--out", "/tmp/x", "--plates", "4611686018427387904"], "--plates must be between 1 and 1000"),
            (["--out", "/tmp/x", "--sites", "1000000000"], "--sites must be between 1 and 100, got 1000000000"),
            (["--out", "/tmp/x", "--compounds-per-moa", "4611686018427387904"], "--compounds-per-moa must be between 1 and 100"),
            (["--out", "/tmp/x", "--width", "8"], "--width and --height"),
            (["--out", "/tmp/x", "--defect-rate", "2"], "--defect-rate must be in [0, 1]"),
        ] {
            XCTAssertThrowsError(try SynthCommand.parse(args)) { e in
                XCTAssertTrue(SynthCommand.message(for: e).contains(expected), "\(args): \(SynthCommand.message(for: e))")
            }
        }
    }

    func testWritesAScreenAndRefusesToOverwriteWithoutForce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synth-cli-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["--out", dir.path, "--sites", "1", "--width", "32", "--height", "32", "--cells-per-site", "2", "--quiet"]
        var command = try SynthCommand.parse(args)
        try command.run()
        let manifest = dir.appendingPathComponent("manifest.csv")
        XCTAssertEqual(try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n").count, 97)
        command = try SynthCommand.parse(args)
        XCTAssertThrowsError(try command.run()) { e in XCTAssertTrue("\(e)".contains("--force"), "\(e)") }
        command = try SynthCommand.parse(args + ["--force", "--seed", "2"])
        XCTAssertNoThrow(try command.run())
    }
}
