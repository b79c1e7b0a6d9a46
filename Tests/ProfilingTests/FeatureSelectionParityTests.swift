import Foundation
import Screen
import XCTest
@testable import Profiling

/// pycytominer's `feature_select` operations and `mad_robustize` against pycytominer itself
/// (fixture: scripts/reference/feature_select_reference.py, Fixtures/feature_select/).
final class FeatureSelectionParityTests: XCTestCase {
    func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: Fixtures.url("feature_select/expected.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static let chains: [String: [FeatureSelection.Operation]] = [
        "default": [.varianceThreshold, .correlationThreshold, .dropNaColumns],
        "all": [.varianceThreshold, .frequencyThreshold, .correlationThreshold, .dropNaColumns, .blocklist, .dropOutliers],
        "outliers_then_correlation": [.dropOutliers, .correlationThreshold],
    ]

    func checkSelections(_ table: ProfileTable, _ expected: [String: Any], _ what: String) throws {
        var cases = Self.chains
        for op in FeatureSelection.Operation.allCases { cases[op.rawValue] = [op] }
        XCTAssertEqual(Set(cases.keys), Set(expected.keys), what)
        for (name, ops) in cases {
            let kept = FeatureSelection(operations: ops).apply(to: table).featureNames
            XCTAssertEqual(kept, expected[name] as? [String], "\(what): \(name)")
        }
    }

    func testEachOperationAndChainsMatchPycytominerOnRawFeatures() throws {
        let table = try Fixtures.table("feature_select/profiles.csv", allowMissing: true)
        try checkSelections(table, try expected()["raw"] as! [String: Any], "raw")
    }

    func testMadRobustizeIsPycytominersIncludingZeroSpread() throws {
        let table = try Fixtures.table("feature_select/profiles.csv", allowMissing: true)
        let ours = try PlateNormalization(method: .madRobustize).apply(to: table)
        let theirs = try Fixtures.table("feature_select/profiles_mad_robustize.csv", allowMissing: true)
        XCTAssertEqual(ours.featureNames, theirs.featureNames)
        var worst = 0.0
        for (a, b) in zip(ours.features, theirs.features) {
            XCTAssertEqual(a.isNaN, b.isNaN)
            guard !a.isNaN else { continue }
            worst = max(worst, abs(a - b) / max(1, abs(b)))
        }
        XCTAssertLessThan(worst, 1e-9)
        // The feature with no DMSO spread is divided by epsilon, as pycytominer does.
        let j = try XCTUnwrap(ours.featureNames.firstIndex(of: "Cells_Granularity_2_Actin"))
        XCTAssertGreaterThan((0..<ours.rowCount).map { abs(ours[$0, j]) }.max()!, 1e15)
        // robust-z keeps its deliberate guard (centred only).
        let guarded = try PlateNormalization(method: .robustZ).apply(to: table)
        XCTAssertLessThan((0..<guarded.rowCount).map { abs(guarded[$0, j]) }.max()!, 100)
    }

    func testOperationsMatchPycytominerAfterMadRobustize() throws {
        let table = try Fixtures.table("feature_select/profiles.csv", allowMissing: true)
        let normalized = try PlateNormalization(method: .madRobustize).apply(to: table)
        let e = try expected()
        try checkSelections(normalized, e["mad_robustize"] as! [String: Any], "mad_robustize")
        let cut15 = FeatureSelection(operations: [.dropOutliers], outlierCutoff: 15).apply(to: normalized).featureNames
        XCTAssertEqual(cut15, (e["outlier_cutoff_15"] as! [String: Any])["drop_outliers"] as? [String])
        XCTAssertFalse(cut15.contains("Cells_Intensity_MaxIntensity_Actin"))
        XCTAssertTrue(FeatureSelection(operations: [.dropOutliers]).apply(to: normalized).featureNames
            .contains("Cells_Intensity_MaxIntensity_Actin"))
    }

    func testFrequencyThresholdKnownAnswers() throws {
        // 20 rows: a column with 19 equal values and one other has ratio 1/19 = 0.0526 (kept
        // at 0.05); 20 equal but one NaN: one distinct value, ratio 0 (dropped); unique ratio
        // of a two-valued column is 2/20 = 0.1 (kept at 0.01, dropped at 0.2).
        let n = 20
        var csv = "Metadata_Well,Cells_A,Cells_B,Cells_C\n"
        for i in 0..<n {
            csv += "W\(i),\(i == 0 ? 1 : 0),\(i == 0 ? "NaN" : "5"),\(i % 2)\n"
        }
        let t = try ProfileTable(csv: CSVTable(parsing: csv, source: "freq.csv"), allowMissing: true)
        XCTAssertEqual(FeatureSelection(operations: [.frequencyThreshold]).apply(to: t).featureNames, ["Cells_A", "Cells_C"])
        XCTAssertEqual(FeatureSelection(operations: [.frequencyThreshold], uniqueCut: 0.2).apply(to: t).featureNames, [])
        XCTAssertEqual(FeatureSelection(operations: [.frequencyThreshold], freqCut: 0.06).apply(to: t).featureNames, ["Cells_C"])
    }

    func testBlocklistIsPycytominersDefaultList() {
        XCTAssertEqual(FeatureBlocklist.pycytominerDefault.count, 55)
        XCTAssertEqual(Set(FeatureBlocklist.pycytominerDefault).count, 55)
        XCTAssertTrue(FeatureBlocklist.pycytominerDefault.contains("Nuclei_Granularity_16_DNA"))
        XCTAssertTrue(FeatureBlocklist.pycytominerDefault.allSatisfy { $0.hasPrefix("Nuclei_") })
    }

    func testOperationListParsing() throws {
        XCTAssertEqual(try FeatureSelection.Operation.list("drop_outliers, correlation_threshold"), [.dropOutliers, .correlationThreshold])
        XCTAssertThrowsError(try FeatureSelection.Operation.list("variance")) { error in
            XCTAssertTrue("\(error)".contains("unknown feature-selection operation 'variance'"), "\(error)")
        }
    }
}
