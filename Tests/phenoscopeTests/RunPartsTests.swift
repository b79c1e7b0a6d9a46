import Foundation
import Profiling
import Search
import Workflow
import XCTest
@testable import phenoscope

/// `phenoscope run` split into its parts (prepare, each plate on its own, screen), as a
/// workflow engine runs them, writes the same profiles and figures as one whole run; and a
/// second whole run finds everything up to date.
final class RunPartsTests: XCTestCase {
    private func config(name: String, runs: URL) -> String {
        """
        name: \(name)
        runs_dir: \(runs.path)
        screen:
          synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 96, height: 96, seed: 4}
        segmentation: {method: ground_truth}
        features: {families: [intensity], texture_scales: [3]}
        evaluation: {null_size: 20, classifiers: false}
        """
    }

    func testPartsGiveTheSameProfilesAsAWholeRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runparts-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole.yaml"), parts = dir.appendingPathComponent("parts.yaml")
        try config(name: "whole", runs: dir).write(to: whole, atomically: true, encoding: .utf8)
        try config(name: "parts", runs: dir).write(to: parts, atomically: true, encoding: .utf8)

        try RunCommand.parse([whole.path, "--quiet"]).run()

        XCTAssertThrowsError(try RunCommand.parse([parts.path, "--only", "screen", "--quiet"]).run()) { e in
            XCTAssertTrue("\(e)".contains("plates.txt"), "\(e)")
        }
        try RunCommand.parse([parts.path, "--only", "prepare", "--quiet"]).run()
        let plates = try String(contentsOf: dir.appendingPathComponent("parts/plates.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(plates.count, 2)
        XCTAssertThrowsError(try RunCommand.parse([parts.path, "--only", "plates", "--plate", "NoSuchPlate", "--quiet"]).run()) { e in
            XCTAssertTrue("\(e)".contains("NoSuchPlate"), "\(e)")
        }
        try RunCommand.parse([parts.path, "--only", "plates", "--plate", plates[0], "--quiet"]).run()
        XCTAssertThrowsError(try RunCommand.parse([parts.path, "--only", "screen", "--quiet"]).run()) { e in
            XCTAssertTrue("\(e)".contains(plates[1]), "a missing plate is named: \(e)")
        }
        try RunCommand.parse([parts.path, "--only", "plates", "--plate", plates[1], "--quiet"]).run()
        try RunCommand.parse([parts.path, "--only", "screen", "--quiet"]).run()

        for file in ["profiles/wells.csv", "profiles/wells_normalized.csv", "qc/qc.csv"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("whole/\(file)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("parts/\(file)"))
            XCTAssertEqual(a, b, file)
        }
        func figures(_ run: String) throws -> [String: Double] {
            let data = try Data(contentsOf: dir.appendingPathComponent("\(run)/evaluation/evaluation.json"))
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            return json.compactMapValues { $0 as? Double }.filter { ["nsc", "nscb", "map_moa"].contains($0.key) }
        }
        XCTAssertEqual(try figures("whole"), try figures("parts"))
        XCTAssertEqual(try figures("whole").count, 3)
        // The screen part indexes the well profiles for search and serve.
        let index = try SearchIndex.open(dir.appendingPathComponent("whole/index/wells"))
        XCTAssertEqual(index.index.count, try ProfileTable(contentsOf: dir.appendingPathComponent("whole/profiles/wells_normalized.csv")).rowCount)
        let hit = try XCTUnwrap(index.search(id: 0, k: 1).first)
        XCTAssertNotEqual(hit.id, 0)

        // Every invocation leaves its summary: each stage with its time and the peak memory after it.
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: dir.appendingPathComponent("whole/run_summary.json")))
        XCTAssertEqual(summary.part, "all")
        XCTAssertEqual(summary.stages.filter(\.ran).map(\.name).prefix(2), ["screen", "catalog"])
        XCTAssertTrue(summary.stages.contains { $0.name == "features@\(plates[1])" })
        XCTAssertTrue(summary.stages.contains { $0.name == "evaluate" })
        XCTAssertTrue(summary.stages.allSatisfy { $0.memory.peakBytes > 0 && $0.memory.peakBytes <= summary.peakBytes })
        for (a, b) in zip(summary.stages, summary.stages.dropFirst()) {
            // The high-water mark only rises (up to the kernel's lazily synced page counts).
            XCTAssertGreaterThanOrEqual(b.memory.peakBytes, a.memory.peakBytes - (8 << 20), "\(a.name) -> \(b.name)")
        }
        for part in ["stages/summary_prepare.json", "stages/summary_plates_\(plates[0]).json", "stages/summary_screen.json"] {
            let s = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: dir.appendingPathComponent("parts/\(part)")))
            XCTAssertFalse(s.stages.isEmpty, part)
        }

        // The per-cell files the plates wrote, aggregated a plate at a time, give the run's
        // well profiles (up to the files' float32 rounding).
        let cellsDir = dir.appendingPathComponent("whole/cells")
        let names = try String(contentsOf: cellsDir.appendingPathComponent("features.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        let streamed = try CellFileAggregation(featureNames: names).wells(plates.map { .cells(of: $0, in: cellsDir) })
        let wells = try ProfileTable(contentsOf: dir.appendingPathComponent("whole/profiles/wells.csv"), allowMissing: true)
        XCTAssertEqual(streamed.metadataColumns, wells.metadataColumns)
        XCTAssertEqual(streamed.metadata, wells.metadata)
        XCTAssertEqual(streamed.featureNames, wells.featureNames)
        for (a, b) in zip(streamed.features, wells.features) where !(a.isNaN && b.isNaN) {
            XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)))
        }

        let normalized = dir.appendingPathComponent("whole/profiles/wells_normalized.csv")
        let before = try FileManager.default.attributesOfItem(atPath: normalized.path)[.modificationDate] as? Date
        try RunCommand.parse([whole.path, "--quiet"]).run()
        let after = try FileManager.default.attributesOfItem(atPath: normalized.path)[.modificationDate] as? Date
        XCTAssertEqual(before, after, "an up-to-date run rewrites nothing")
    }
}
