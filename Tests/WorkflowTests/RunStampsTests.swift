import Foundation
import XCTest
@testable import Workflow

/// Run folders made before the Workflow library stay valid: the stage stamps written by the
/// old `phenoscope run` (Fixtures/golden-run/stages, recorded from commit 8446e0f on
/// Fixtures/golden-run/run.yaml) are byte-identical to the parameters the stages have now, so
/// a finished run is still seen as up to date and nothing is recomputed.
final class RunStampsTests: XCTestCase {
    func testStampsOfAnOldRunFolderAreStillUpToDate() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden-run")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stamps-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("run.yaml")
        try FileManager.default.copyItem(at: fixture.appendingPathComponent("run.yaml"), to: config)
        let run = try ScreenRun(configURL: config)
        try run.run()
        let stamps = run.layout.root.appendingPathComponent("stages")
        let old = try FileManager.default.contentsOfDirectory(atPath: fixture.appendingPathComponent("stages").path).sorted()
        for name in old {
            let recorded = try String(contentsOf: fixture.appendingPathComponent("stages/\(name)"), encoding: .utf8)
            let now = try String(contentsOf: stamps.appendingPathComponent(name), encoding: .utf8)
            XCTAssertEqual(now, recorded, name)
            // The old folder's stamp, in place, as an old run left it.
            try recorded.write(to: stamps.appendingPathComponent(name), atomically: false, encoding: .utf8)
        }
        let oldStages = Set(old.map { String($0.dropLast(".done".count)) })
        let ran = try run.run()
        XCTAssertEqual(ran.filter(oldStages.contains), [], "stages of the old run folder ran again")
    }
}
