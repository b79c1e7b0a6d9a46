import Core
import Foundation
import XCTest
@testable import Profiling

/// The bootstrap intervals of NSC, NSCB and mAP: known answers, numpy on the same resample
/// indices (scripts/reference/bootstrap_reference.py), and the spread a binomial predicts.
final class TreatmentBootstrapTests: XCTestCase {
    func testTwoTreatmentsKnownAnswer() {
        // Hits [1, 0]: a resample's NSC is 0, 1/2 or 1 with probabilities 1/4, 1/2, 1/4, so
        // with many resamples the 2.5th percentile is 0 and the 97.5th is 1.
        let i = TreatmentBootstrap(resamples: 2000, seed: 5).interval([1, 0])
        XCTAssertEqual(i, ConfidenceInterval(lower: 0, upper: 1))
        // Every treatment a hit: no resample can differ.
        XCTAssertEqual(TreatmentBootstrap(resamples: 50).interval([1, 1, 1, 1]), ConfidenceInterval(lower: 1, upper: 1))
        // Nothing defined: no interval.
        XCTAssertNil(TreatmentBootstrap(resamples: 50).interval([nil, nil]))
        XCTAssertNil(TreatmentBootstrap(resamples: 0).interval([1, 0]))
    }

    func testPercentileIsNumpysLinearMethod() {
        // np.percentile([1, 2, 3, 4], [2.5, 97.5]) == [1.075, 3.925]
        XCTAssertEqual(TreatmentBootstrap.percentile(sorted: [1, 2, 3, 4], 0.025), 1.075, accuracy: 1e-12)
        XCTAssertEqual(TreatmentBootstrap.percentile(sorted: [1, 2, 3, 4], 0.975), 3.925, accuracy: 1e-12)
        XCTAssertEqual(TreatmentBootstrap.percentile(sorted: [7], 0.5), 7)
    }

    func testMatchesNumpyOnTheSameResamples() throws {
        let data = try Data(contentsOf: Fixtures.url("bootstrap/expected.json"))
        let doc = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let indices = doc["indices"] as! [[Int]]
        let level = doc["level"] as! Double
        let cases = doc["cases"] as! [String: [String: Any]]
        XCTAssertEqual(cases.count, 3)
        for (name, c) in cases {
            let values = (c["values"] as! [Any]).map { $0 as? Double }
            let expected = c["expected"] as! [Double]
            let got = try XCTUnwrap(TreatmentBootstrap.interval(values, indices: indices, level: level), name)
            XCTAssertEqual(got.lower, expected[0], accuracy: 1e-12, name)
            XCTAssertEqual(got.upper, expected[1], accuracy: 1e-12, name)
        }
    }

    func testWidthMatchesTheBinomialStandardError() {
        // 200 treatments, 110 hits: the bootstrap sd of the mean is about sqrt(p(1-p)/n), so
        // the 95 % interval is about 2 * 1.96 * 0.0352 = 0.138 wide.
        let hits: [Double?] = (0..<200).map { $0 < 110 ? 1 : 0 }
        let i = TreatmentBootstrap(resamples: 4000, seed: 1).interval(hits)!
        let p = 0.55, expected = 2 * 1.96 * (p * (1 - p) / 200).squareRoot()
        XCTAssertEqual(i.upper - i.lower, expected, accuracy: 0.15 * expected)
        XCTAssertEqual((i.upper + i.lower) / 2, p, accuracy: 0.01)
        // Seeded: the same seed gives the same interval, another seed (almost surely) another draw.
        XCTAssertEqual(TreatmentBootstrap(resamples: 300, seed: 3).interval(hits), TreatmentBootstrap(resamples: 300, seed: 3).interval(hits))
        XCTAssertNotEqual(TreatmentBootstrap(resamples: 300, seed: 3).indices(count: 50), TreatmentBootstrap(resamples: 300, seed: 4).indices(count: 50))
    }

    func testIntervalEncodesAsTwoNumbers() throws {
        let i = ConfidenceInterval(lower: 0.25, upper: 0.75)
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(i), as: UTF8.self), "[0.25,0.75]")
        XCTAssertEqual(try JSONDecoder().decode(ConfidenceInterval.self, from: Data("[0.25,0.75]".utf8)), i)
        XCTAssertThrowsError(try JSONDecoder().decode(ConfidenceInterval.self, from: Data("[0.25,0.5,0.75]".utf8)))
        XCTAssertEqual(i.text, "[0.250, 0.750]")
        XCTAssertTrue(i.overlaps(ConfidenceInterval(lower: 0.7, upper: 0.9)))
        XCTAssertFalse(i.overlaps(ConfidenceInterval(lower: 0.8, upper: 0.9)))
    }

    func testEvaluationReportsIntervalsRoundItsFigures() throws {
        let e = try ProfileEvaluation(Fixtures.table("treatments.csv"))
        let s = e.summary()
        for (figure, key) in [(e.nsc.accuracy, "nsc_ci"), (e.nscb!.accuracy, "nscb_ci"), (e.moaAP.meanAveragePrecision!, "map_moa_ci")] {
            let ci = try XCTUnwrap(s[key] as? [Double], key)
            XCTAssertEqual(ci.count, 2)
            XCTAssertLessThanOrEqual(ci[0], figure, key)
            XCTAssertGreaterThanOrEqual(ci[1], figure, key)
            XCTAssertLessThan(ci[0], ci[1], key)
        }
        XCTAssertEqual(s["bootstrap_resamples"] as? Int, 1000)
        // The per-treatment values are the figures' own: their mean is the figure.
        let v = ProfileEvaluation.perTreatmentValues(rows: e.labels.moaRows, nsc: e.nsc, nscb: e.nscb, ap: e.moaAP)
        let nsc = v.nsc.compactMap { $0 }
        XCTAssertEqual(nsc.reduce(0, +) / Double(nsc.count), e.nsc.accuracy, accuracy: 1e-12)
        let ap = v.ap.compactMap { $0 }
        XCTAssertEqual(ap.reduce(0, +) / Double(ap.count), e.moaAP.meanAveragePrecision!, accuracy: 1e-12)
        var off = ProfileEvaluation.Options()
        off.bootstrapResamples = 0
        let none = try ProfileEvaluation(Fixtures.table("treatments.csv"), options: off)
        XCTAssertNil(none.nscInterval)
        XCTAssertTrue(none.summary()["nsc_ci"] is NSNull)
    }
}
