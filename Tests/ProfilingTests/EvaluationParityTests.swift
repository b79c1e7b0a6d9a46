import Foundation
import XCTest
@testable import Profiling

/// Our evaluation against the independent references in expected.json: a brute-force
/// numpy NSC/NSCB/top-k/map_moa, copairs' APs, mAPs and p-values, scikit-learn's probe.
final class EvaluationParityTests: XCTestCase {
    func options(nullSize: Int) -> ProfileEvaluation.Options {
        var o = ProfileEvaluation.Options()
        o.nullSize = nullSize
        o.forestTrees = 0
        return o
    }

    func testTreatmentLevelMatchesBruteForceAndCopairs() throws {
        let expected = try Fixtures.expected()
        let table = try Fixtures.table("treatments.csv")
        let eval = try ProfileEvaluation(table, options: options(nullSize: expected["null_size"] as! Int))
        XCTAssertEqual(eval.inputLevel, .treatment)
        let bf = expected["brute_force"] as! [String: Any]
        // Exact: same hits over the same queries (compared as integers, since Foundation's
        // JSON parser on Linux may round the last digit of a Double).
        assertSameCounts(eval, bf)
        for (mode, nn) in [("nsc", eval.nsc), ("nscb", eval.nscb!)] {
            let ref = bf["\(mode)_neighbors"] as! [String: Int]
            XCTAssertEqual(ref.count, nn.neighbors.count)
            for n in nn.neighbors { XCTAssertEqual(ref[String(n.query)], n.neighbor, "\(mode) query row \(n.query)") }
        }

        let cm = expected["copairs_moa"] as! [String: Any]
        var maxDiff = 0.0
        let perQuery = cm["per_query"] as! [[String: Any]]
        let ours = Dictionary(uniqueKeysWithValues: eval.moaAP.scored.map { ($0.row, $0) })
        XCTAssertEqual(ours.count, perQuery.count)
        for q in perQuery {
            let o = try XCTUnwrap(ours[q["row"] as! Int])
            XCTAssertEqual(o.positives, q["n_pos"] as! Int)
            XCTAssertEqual(o.total, q["n_total"] as! Int)
            maxDiff = max(maxDiff, abs(o.averagePrecision! - (q["ap"] as! Double)))
            maxDiff = max(maxDiff, abs(o.normalizedAveragePrecision! - (q["nap"] as! Double)))
        }
        maxDiff = max(maxDiff, abs(eval.moaAP.meanAveragePrecision! - (cm["map_moa"] as! Double)))
        maxDiff = max(maxDiff, abs(eval.moaAP.meanAveragePrecision! - (bf["map_moa"] as! Double)))
        let nullSize = expected["null_size"] as! Int
        let groups = Dictionary(uniqueKeysWithValues: eval.moaMAP.groups.map { ($0.key, $0) })
        var maxPDiff = 0.0
        for g in cm["groups"] as! [[String: Any]] {
            let o = try XCTUnwrap(groups[g["key"] as! String])
            maxDiff = max(maxDiff, abs(o.meanAveragePrecision - (g["map"] as! Double)))
            maxDiff = max(maxDiff, abs(o.meanNormalizedAveragePrecision - (g["nmap"] as! Double)))
            maxPDiff = max(maxPDiff, try assertPValueClose(o.pValue, g["p"] as! Double, nullSize: nullSize))
            maxPDiff = max(maxPDiff, try assertPValueClose(o.correctedPValue, g["q"] as! Double, nullSize: nullSize))
        }
        XCTAssertLessThan(maxDiff, 1e-6)
        print("parity moa: nsc=\(eval.nsc.accuracy) nscb=\(eval.nscb!.accuracy) map_moa=\(eval.moaAP.meanAveragePrecision!) max|AP-copairs|=\(maxDiff) max|p-copairs|=\(maxPDiff)")
    }

    /// Repeated profiles across MoAs: NSC ties go to the first row in table order (as the
    /// brute force's stable sort), AP ties rank positives first (as copairs).
    func testExactTiesFollowTableOrderForNSCAndCopairsForAP() throws {
        let expected = try Fixtures.expected()
        var o = options(nullSize: 1000)
        o.topK = [1, 3]
        let eval = try ProfileEvaluation(Fixtures.table("ties.csv"), options: o)
        let bf = expected["ties_brute_force"] as! [String: Any]
        assertSameCounts(eval, bf)
        for (mode, nn) in [("nsc", eval.nsc), ("nscb", eval.nscb!)] {
            let ref = bf["\(mode)_neighbors"] as! [String: Int]
            for n in nn.neighbors { XCTAssertEqual(ref[String(n.query)], n.neighbor, "\(mode) query row \(n.query)") }
        }
        let cm = expected["ties_copairs_moa"] as! [String: Any]
        let ours = Dictionary(uniqueKeysWithValues: eval.moaAP.scored.map { ($0.row, $0) })
        var maxDiff = 0.0
        for q in cm["per_query"] as! [[String: Any]] {
            let o = try XCTUnwrap(ours[q["row"] as! Int])
            maxDiff = max(maxDiff, abs(o.averagePrecision! - (q["ap"] as! Double)))
        }
        XCTAssertEqual(ours.count, (cm["per_query"] as! [Any]).count)
        XCTAssertEqual(eval.moaAP.meanAveragePrecision!, cm["map_moa"] as! Double, accuracy: 1e-12)
        XCTAssertLessThan(maxDiff, 1e-12)
    }

    func testWellLevelAggregatesThenMatchesAndReplicateMatchesCopairs() throws {
        let expected = try Fixtures.expected()
        let wells = try Fixtures.table("wells.csv")
        let nullSize = expected["null_size"] as! Int
        let eval = try ProfileEvaluation(wells, options: options(nullSize: nullSize))
        XCTAssertEqual(eval.inputLevel, .well)
        let bf = expected["brute_force"] as! [String: Any]
        assertSameCounts(eval, bf)
        XCTAssertEqual(eval.moaAP.meanAveragePrecision!, bf["map_moa"] as! Double, accuracy: 1e-6)

        let cr = expected["copairs_replicate"] as! [String: Any]
        let ours = Dictionary(uniqueKeysWithValues: eval.replicateAP!.scored.map { ($0.row, $0) })
        let perQuery = cr["per_query"] as! [[String: Any]]
        XCTAssertEqual(ours.count, perQuery.count)
        var maxDiff = 0.0, maxPDiff = 0.0
        for q in perQuery {
            let o = try XCTUnwrap(ours[q["row"] as! Int])
            XCTAssertEqual(o.positives, q["n_pos"] as! Int)
            XCTAssertEqual(o.total, q["n_total"] as! Int)
            maxDiff = max(maxDiff, abs(o.averagePrecision! - (q["ap"] as! Double)))
        }
        let groups = Dictionary(uniqueKeysWithValues: eval.replicateMAP!.groups.map { ($0.key, $0) })
        XCTAssertEqual(groups.count, (cr["groups"] as! [Any]).count)
        for g in cr["groups"] as! [[String: Any]] {
            let o = try XCTUnwrap(groups[g["key"] as! String])
            maxDiff = max(maxDiff, abs(o.meanAveragePrecision - (g["map"] as! Double)))
            maxDiff = max(maxDiff, abs(o.meanNormalizedAveragePrecision - (g["nmap"] as! Double)))
            maxPDiff = max(maxPDiff, try assertPValueClose(o.pValue, g["p"] as! Double, nullSize: nullSize))
            maxPDiff = max(maxPDiff, try assertPValueClose(o.correctedPValue, g["q"] as! Double, nullSize: nullSize))
        }
        XCTAssertLessThan(maxDiff, 1e-6)
        print("parity replicate: max|AP-copairs|=\(maxDiff) max|p-copairs|=\(maxPDiff)")
    }

    func assertSameCounts(_ eval: ProfileEvaluation, _ bf: [String: Any],
                          file: StaticString = #filePath, line: UInt = #line) {
        for (mode, nn) in [("nsc", eval.nsc), ("nscb", eval.nscb!)] {
            XCTAssertEqual(nn.queryCount, bf["\(mode)_queries"] as! Int, file: file, line: line)
            XCTAssertEqual(nn.neighbors.filter(\.hit).count, bf["\(mode)_hits"] as! Int, file: file, line: line)
            XCTAssertEqual(nn.accuracy, Double(bf["\(mode)_hits"] as! Int) / Double(bf["\(mode)_queries"] as! Int),
                           file: file, line: line)
            let topK = bf["top_k_\(mode)_hits"] as! [String: Int]
            XCTAssertEqual(nn.topKAccuracy, nn.topK.map { Double(topK[String($0)]!) / Double(nn.queryCount) },
                           file: file, line: line)
        }
    }

    /// p-values are Monte Carlo estimates from different generators: they must agree
    /// within 5 standard errors of the difference of two independent estimates (plus one
    /// null draw), i.e. 5 * sqrt(2 p (1 - p) / N) + 2 / (N + 1).
    @discardableResult
    func assertPValueClose(_ ours: Double, _ theirs: Double, nullSize: Int,
                           file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        let p = max(ours, theirs)
        let tol = 5 * (2 * p * (1 - p) / Double(nullSize)).squareRoot() + 2 / Double(nullSize + 1)
        XCTAssertLessThanOrEqual(abs(ours - theirs), tol, "p-value \(ours) vs copairs \(theirs)", file: file, line: line)
        return abs(ours - theirs)
    }

    func testLinearProbeMatchesScikitLearn() throws {
        let expected = try Fixtures.expected()
        let lp = expected["linear_probe"] as! [String: Any]
        let table = try Fixtures.table("treatments.csv")
        let labels = try TreatmentLabels(table)
        let probe = ClassifierProbe(table: table, labels: labels)
        let ref = lp["predictions"] as! [String: String]
        XCTAssertEqual(probe.predictions.count, ref.count)
        var agree = 0
        for (row, moa) in ref where probe.predictions[Int(row)!] == moa { agree += 1 }
        XCTAssertEqual(agree, ref.count, "predictions agreeing with scikit-learn")
        XCTAssertEqual(probe.accuracy, lp["accuracy"] as! Double, accuracy: 1e-12)

        // One full fit: probabilities equal scikit-learn's to 1e-5.
        let rows = lp["full_fit_rows"] as! [Int]
        let classes = lp["classes"] as! [String]
        let scaler = Standardizer(table: table, rows: rows)
        let x = scaler.transform(table: table, rows: rows)
        let d = table.featureCount
        let model = LogisticRegression(x: x, n: rows.count, d: d,
                                       y: rows.map { classes.firstIndex(of: labels.moa[$0])! }, classCount: classes.count)
        let proba = lp["full_fit_proba"] as! [[Double]]
        var maxDiff = 0.0
        for (i, p) in proba.enumerated() {
            let ours = model.probabilities(x[(i * d)..<((i + 1) * d)])
            for (a, b) in zip(ours, p) { maxDiff = max(maxDiff, abs(a - b)) }
        }
        XCTAssertLessThan(maxDiff, 1e-5)
        print("parity probe: accuracy=\(probe.accuracy) max|proba-sklearn|=\(maxDiff)")
    }
}
