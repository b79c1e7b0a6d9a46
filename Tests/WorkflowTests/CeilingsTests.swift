import Foundation
import Profiling
import Screen
import XCTest
@testable import Workflow

/// The evaluation ceilings of a synthetic run (oracle from the true parameters, features on
/// the ground-truth masks), the figures without feature selection, bootstrap intervals in the
/// summary and report, and `--seeds` (SeedRepeat).
final class CeilingsTests: XCTestCase {
    func tinyRun(_ extra: String = "") throws -> (URL, ScreenRun) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ceilings-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
        name: tiny
        runs_dir: runs
        screen:
          synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 96, height: 96, seed: 4}
        features: {families: [intensity, shape], texture_scales: [3]}
        evaluation: {null_size: 20, classifiers: false, bootstrap: 200}
        \(extra)
        """
        let config = dir.appendingPathComponent("run.yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        return (dir, try ScreenRun(configURL: config))
    }

    func testGroundTruthSegmentationHasNoSeparateMaskRow() throws {
        let (_, run) = try tinyRun("segmentation: {method: ground_truth}")
        let ran = try run.run()
        XCTAssertFalse(ran.contains { $0.hasPrefix("features-truth") })
        XCTAssertTrue(ran.contains("ceilings"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.layout.evaluationGroundTruthMasks.path))
        XCTAssertFalse(try run.summary(seconds: 1).contains { $0.contains("ground-truth masks:") })
        XCTAssertNotNil(try EvaluationHeadline.load(run.layout.evaluationOracle).nsc)
    }

    func testOracleProfilesCentreOnDMSOAndScaleByTheScreensSpread() throws {
        let csv = """
        Metadata_Plate,Metadata_Well,Metadata_Compound,Metadata_Concentration,Metadata_MoA,Truth_a,Truth_b,Truth_c
        P1,A01,DMSO,0,DMSO,1,10,5
        P1,A02,x,1,m,3,10,5
        P2,A01,DMSO,0,DMSO,2,10,5
        P2,A02,y,1,m,2,14,5
        """
        let t = try ProfileTable(csv: .init(parsing: csv, source: "p.csv"))
        let o = try RunStages.oracleProfiles(t)
        // Truth_c is constant over the screen: dropped.
        XCTAssertEqual(o.featureNames, ["Truth_a", "Truth_b"])
        let sdA = Statistics.std([1, 3, 2, 2]), sdB = Statistics.std([10, 10, 10, 14])
        XCTAssertEqual(Array(o.row(1)), [2 / sdA, 0], "plate P1 centred on its DMSO well")
        XCTAssertEqual(Array(o.row(3)), [0, 4 / sdB])
        XCTAssertEqual(Array(o.row(0)), [0, 0])
    }

    /// One tiny run repeated over two seeds (seed 0 is the plain run): ceilings, the
    /// figures without selection and intervals in the summary and report, then the seeds.
    func testRunEvaluatesCeilingsWithIntervalsAndSeedsShareTheScreen() throws {
        let (_, run) = try tinyRun()
        let summary = try SeedRepeat(run: run, seeds: 2).run()
        let l = run.layout
        XCTAssertTrue(FileManager.default.fileExists(atPath: l.groundTruthMaskWellProfiles("Batch1_Plate1").path))
        for dir in [l.evaluation, l.evaluationRaw, l.evaluationUnselected, l.evaluationOracle, l.evaluationGroundTruthMasks] {
            let h = try EvaluationHeadline.load(dir)
            let nsc = try XCTUnwrap(h.nsc, dir.path)
            let ci = try XCTUnwrap(h.nscInterval, dir.path)
            XCTAssertTrue(ci.lower <= nsc && nsc <= ci.upper, "\(dir.path): \(nsc) outside \(ci)")
            XCTAssertNotNil(h.mapMoAInterval)
        }
        let lines = try run.summary(seconds: 1)
        for label in ["without feature selection:", "raw well means:", "oracle (true parameters):", "ground-truth masks:"] {
            XCTAssertTrue(lines.contains { $0.contains(label) }, "\(label) missing in \(lines)")
        }
        XCTAssertTrue(lines[1].contains("NSC") && lines[1].contains("["), lines[1])
        let html = try String(contentsOf: l.evaluation.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("oracle (true parameters)") && html.contains("ground-truth masks"))
        XCTAssertTrue(html.contains("95 % CI"))
        // A second run has nothing to do.
        XCTAssertEqual(try run.run(), [])

        XCTAssertEqual(summary.seeds, 2)
        XCTAssertEqual(summary.runFolders.count, 2)
        XCTAssertTrue(summary.runFolders[1].hasSuffix("tiny-seed1"))
        let classical = try XCTUnwrap(summary.rows.first { $0.label == "classical, normalized" })
        XCTAssertEqual(classical.nsc.n, 2)
        // Classical profiles involve no randomness: the same NSC for both seeds.
        XCTAssertEqual(classical.nsc.sd, 0)
        XCTAssertEqual(classical.perSeed.count, 2)
        XCTAssertTrue(summary.rows.contains { $0.label == "oracle (true parameters)" })
        // Seed 1's evaluation used seed 1 (its bootstrap differs from seed 0's in general).
        let config1 = try RunConfig.load(URL(fileURLWithPath: summary.runFolders[1]).appendingPathComponent("config.yaml"))
        XCTAssertEqual(config1.evaluation.seed, 1)
        // The screen is shared by hard links, not recomputed.
        let a = URL(fileURLWithPath: summary.runFolders[0]).appendingPathComponent("screen/manifest.csv")
        let b = URL(fileURLWithPath: summary.runFolders[1]).appendingPathComponent("screen/manifest.csv")
        let ia = try FileManager.default.attributesOfItem(atPath: a.path)[.systemFileNumber] as? Int
        let ib = try FileManager.default.attributesOfItem(atPath: b.path)[.systemFileNumber] as? Int
        XCTAssertNotNil(ia)
        XCTAssertEqual(ia, ib)
        let json = try Data(contentsOf: run.layout.root.appendingPathComponent("seeds.json"))
        XCTAssertEqual(try JSONDecoder().decode(SeedRepeat.Summary.self, from: json), summary)
        XCTAssertTrue(summary.text.contains("±"))
        // Spread: sample standard deviation.
        let s = SeedRepeat.Spread([0.5, 0.7, nil])
        XCTAssertEqual(s.n, 2)
        XCTAssertEqual(s.mean!, 0.6, accuracy: 1e-12)
        XCTAssertEqual(s.sd!, (0.02 as Double).squareRoot(), accuracy: 1e-12)
    }
}
