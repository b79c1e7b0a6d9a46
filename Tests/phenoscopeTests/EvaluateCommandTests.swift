import Foundation
import XCTest
import Profiling
@testable import phenoscope

/// `evaluate` with pycytominer's selection steps: intervals in the JSON, the figures without
/// selection beside them, and the options' errors.
final class EvaluateCommandTests: XCTestCase {
    /// Two plates; per plate 2 DMSO wells and 8 treated wells (4 MoAs x 2 compounds). f3 has
    /// no spread on DMSO, so mad_robustize blows it up to about 1e18 and drop_outliers drops it.
    func wells() throws -> URL {
        var csv = "Metadata_Plate,Metadata_Well,Metadata_Batch,Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1,f2,f3,f4\n"
        for (p, plate) in ["P1", "P2"].enumerated() {
            for d in 0..<2 { csv += "\(plate),D\(d),b\(p),DMSO,0,DMSO,\(0.1 * Double(d)),\(-0.1 * Double(d)),1,\(0.05 * Double(d + p))\n" }
            for m in 0..<4 {
                for c in 0..<2 {
                    let x = Double(m + 1), j = 0.1 * Double(c + p)
                    csv += "\(plate),W\(m)\(c),b\(p),cpd\(m)_\(c),1,moa\(m),\(m % 2 == 0 ? x : -x + j),\(m < 2 ? x + j : -x),\(1 + 0.3 * Double(m * 2 + c)),\(j)\n"
                }
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evaluate-cli-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("wells.csv")
        try csv.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testSelectionWritesFiguresWithAndWithoutItAndIntervals() throws {
        let url = try wells()
        let out = url.deletingLastPathComponent().appendingPathComponent("eval")
        var command = try EvaluateCommand.parse([url.path, "--normalize", "mad_robustize", "--select", "drop_outliers",
                                                 "--out", out.path, "--no-probe", "--forest-trees", "0", "--no-umap",
                                                 "--null-size", "20", "--bootstrap", "200", "--quiet"])
        try command.run()
        for dir in [out, out.appendingPathComponent("without_feature_selection")] {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("evaluation.json"))) as! [String: Any]
            let nsc = try XCTUnwrap(json["nsc"] as? Double, dir.path)
            let ci = try XCTUnwrap(json["nsc_ci"] as? [Double], dir.path)
            XCTAssertTrue(ci[0] <= nsc && nsc <= ci[1], "\(dir.path)")
            XCTAssertEqual(json["bootstrap_resamples"] as? Int, 200)
        }
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("without feature selection"))
    }

    /// A forest of 1e9 trees ran until stopped, and 1e9 bootstrap resamples would not fit in
    /// memory; both options are bounded and named.
    func testForestTreesAndBootstrapOutOfRangeAreOneLineErrors() throws {
        let url = try wells()
        for trees in ["1000000000", "-1"] {
            let command = try EvaluateCommand.parse([url.path, "--forest-trees=\(trees)", "--no-umap", "--quiet"])
            XCTAssertThrowsError(try command.evaluate(), trees) { e in
                XCTAssertEqual("\(e)", "--forest-trees: expected 0 to 10000, got \(trees)")
            }
        }
        // A billion resamples would hold a billion draw lists.
        let command = try EvaluateCommand.parse([url.path, "--bootstrap", "1000000000", "--no-umap", "--quiet"])
        XCTAssertThrowsError(try command.evaluate()) { e in
            XCTAssertEqual("\(e)", "--bootstrap: expected 0 to 100000, got 1000000000")
        }
    }

    func testSelectionOptionErrorsNameTheOption() throws {
        for (args, expected) in [
            (["--feature-select", "--select", "blocklist"], "--feature-select and --select"),
            (["--select", "variance"], "--select: unknown feature-selection operation 'variance'"),
            (["--select", "drop_outliers", "--outlier-cutoff=-1"], "--outlier-cutoff"),
            (["--normalize", "mad"], "--normalize: unknown value 'mad'"),
        ] {
            var pipeline = ProfilePipeline()
            let options = try ProfileStepOptions.parse(args)
            XCTAssertThrowsError(try options.configure(&pipeline), "\(args)") { e in
                XCTAssertTrue("\(e)".contains(expected), "\(args): \(e)")
            }
        }
    }
}
