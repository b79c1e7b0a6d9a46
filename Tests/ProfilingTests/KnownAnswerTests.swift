import Core
import Foundation
import Screen
import XCTest
@testable import Profiling

/// Small hand-checked cases for the rules the parity fixtures do not pin down: tie
/// breaking, the batch-set rule, exclusions, aggregation bookkeeping, errors.
final class KnownAnswerTests: XCTestCase {
    func table(_ csv: String, source: String = "t.csv") throws -> ProfileTable {
        try ProfileTable(csv: CSVTable(parsing: csv, source: source))
    }

    func testNonNumericAndNaNFeaturesNameFileLineAndColumn() throws {
        let csv = "Metadata_Compound,f1,f2\na,1,2\nb,x,2\n"
        XCTAssertThrowsError(try table(csv)) {
            XCTAssertEqual("\($0)", "t.csv:3: column 'f1': expected a finite number, found 'x'")
        }
        XCTAssertThrowsError(try table("Metadata_Compound,f1\na,1\nb,nan\n")) {
            XCTAssertEqual("\($0)", "t.csv:3: column 'f1': expected a finite number, found 'nan'")
        }
        XCTAssertThrowsError(try table("Metadata_Compound,f1\na,\n")) {
            XCTAssertTrue("\($0)".hasPrefix("t.csv:2: column 'f1'"), "\($0)")
        }
        // Missing values pass only when the caller asks (allowMissing), and evaluation re-checks.
        let t = try ProfileTable(csv: CSVTable(parsing: "Metadata_Compound,f1\na,\n", source: "t.csv"), allowMissing: true)
        XCTAssertTrue(t[0, 0].isNaN)
        XCTAssertThrowsError(try t.requireFinite())
        // `profile` lets NaN through but not a value past float32's range (1e308 became inf
        // after robust-z and was written out).
        XCTAssertNoThrow(try t.requireFinite(allowingNaN: true))
        let big = try ProfileTable(csv: CSVTable(parsing: "Metadata_Compound,f1\na,\nb,1e308\n", source: "t.csv"), allowMissing: true)
        XCTAssertThrowsError(try big.requireFinite(allowingNaN: true)) {
            XCTAssertEqual("\($0)", "t.csv:3: column 'f1': expected a number within float32's range (|x| <= 3.4e38), found 1e+308")
        }
    }

    func testCSVRoundTripKeepsMetadataFirstAndExactValues() throws {
        let t = try table("f1,Metadata_A,f2\n0.1,x,1e-300\n-2.5,\"y,z\",3\n")
        XCTAssertEqual(t.metadataColumns, ["Metadata_A"])
        let back = try ProfileTable(csv: CSVTable(parsing: t.csvTable().encoded()))
        XCTAssertEqual(back.csvTable().header, ["Metadata_A", "f1", "f2"])
        XCTAssertEqual(back.features, t.features)
        XCTAssertEqual(back.metadata, t.metadata)
    }

    /// Treatments: q (m1) is equally similar to b (m2) and c (m1); b comes first in the
    /// table, so it wins and q misses. d is the same compound as q and closer, so it is
    /// never a candidate.
    func testTiesGoToTheFirstRowAndSameCompoundIsExcluded() throws {
        let csv = """
        Metadata_Compound,Metadata_Concentration,Metadata_MoA,Metadata_Batch,f1,f2
        q,1,m1,B1,1,0
        b,1,m2,B2,1,1
        c,1,m1,B3,1,-1
        q,2,m1,B1,1,0.01
        DMSO,0,,B1,1,0
        x,1,,B2,1,0
        """
        let t = try table(csv)
        let labels = try TreatmentLabels(t)
        let nn = try NearestNeighborMoA(labels: labels, similarity: CosineSimilarity(t), mode: .nsc)
        let q = try XCTUnwrap(nn.neighbors.first { $0.query == 0 })
        XCTAssertEqual(q.neighbor, 1)
        XCTAssertFalse(q.hit)
        // DMSO and the empty-MoA treatment are neither queries nor candidates.
        XCTAssertEqual(nn.neighbors.map(\.query), [0, 1, 2, 3])
        XCTAssertFalse(nn.neighbors.contains { [4, 5].contains($0.neighbor) })
    }

    /// A treatment spanning batches B1 and B2 may not match a candidate in either.
    func testNSCBExcludesCandidatesSharingAnyBatch() throws {
        let wells = """
        Metadata_Compound,Metadata_Concentration,Metadata_MoA,Metadata_Batch,f1,f2
        q,1,m1,B1,1,0
        q,1,m1,B2,1,0
        a,1,m1,B2,1,0.1
        b,1,m1,B3,0,1
        c,1,m2,B3,1,0.2
        """
        let agg = try Aggregation(keys: Aggregation.treatmentKeys).apply(to: table(wells))
        XCTAssertEqual(try agg.metadataValues("Metadata_Batch"), ["B1;B2", "B2", "B3", "B3"])
        let labels = try TreatmentLabels(agg)
        let sim = try CosineSimilarity(agg)
        let nscb = try NearestNeighborMoA(labels: labels, similarity: sim, mode: .nscb)
        let q = try XCTUnwrap(nscb.neighbors.first { $0.query == 0 })
        XCTAssertEqual(q.neighbor, 3, "c (row 3) is the closest candidate outside B1 and B2")
        XCTAssertFalse(q.hit)
        let nsc = try NearestNeighborMoA(labels: labels, similarity: sim, mode: .nsc)
        XCTAssertEqual(nsc.neighbors.first { $0.query == 0 }?.neighbor, 1)
        // a (B2) has only B3 candidates left; b and c (B3) only q and a.
        XCTAssertEqual(nscb.neighbors.first { $0.query == 1 }?.neighbor, 3)
    }

    func testAggregationMeanMedianAndCounts() throws {
        let csv = """
        Metadata_Plate,Metadata_Well,Metadata_Count,f1
        P,A01,10,1
        P,A01,5,2
        P,A01,1,9
        P,A02,3,4
        """
        let t = try table(csv)
        let mean = try Aggregation(keys: Aggregation.wellKeys).apply(to: t)
        XCTAssertEqual(mean.features, [4, 4])
        XCTAssertEqual(try mean.metadataValues("Metadata_Count"), ["16", "3"])
        let median = try Aggregation(keys: Aggregation.wellKeys, method: .median).apply(to: t)
        XCTAssertEqual(median.features, [2, 4])
        let noCount = try Aggregation(keys: ["Metadata_Plate"]).apply(to: table("Metadata_Plate,f1\nP,1\nP,2\n"))
        XCTAssertEqual(try noCount.metadataValues("Metadata_Count"), ["2"])
        XCTAssertThrowsError(try Aggregation(keys: ["Metadata_Site"]).apply(to: t)) {
            XCTAssertTrue("\($0)".contains("missing column 'Metadata_Site'"), "\($0)")
        }
    }

    /// NaN is skipped as pandas' groupby mean/median skip it (pycytominer aggregate); a
    /// feature NaN in a whole group stays NaN; a pipeline without sphering accepts NaN input.
    func testAggregationSkipsNaNLikePandas() throws {
        let csv = "Metadata_Plate,Metadata_Well,f1,f2\nP,A01,1,NaN\nP,A01,NaN,\nP,A01,5,NaN\nP,A02,2,3\n"
        let t = try ProfileTable(csv: CSVTable(parsing: csv, source: "t.csv"), allowMissing: true)
        let mean = try Aggregation(keys: Aggregation.wellKeys).apply(to: t)
        XCTAssertEqual(mean.features[0], 3)
        XCTAssertTrue(mean.features[1].isNaN)
        XCTAssertEqual(Array(mean.features[2...]), [2, 3])
        XCTAssertEqual(try Aggregation(keys: Aggregation.wellKeys, method: .median).apply(to: t).features[0], 3)
        XCTAssertTrue(ProfilePipeline(aggregation: Aggregation(keys: Aggregation.wellKeys)).acceptsMissingValues)
        XCTAssertFalse(ProfilePipeline(spherize: Spherize(method: .zca)).acceptsMissingValues)
    }

    func testAggregationMatchesPandasOnFixture() throws {
        let wells = try Fixtures.table("wells.csv")
        let ours = try Aggregation(keys: Aggregation.treatmentKeys).apply(to: wells)
        let theirs = try Fixtures.table("treatments.csv")
        XCTAssertEqual(ours.rowCount, theirs.rowCount)
        let key = { (t: ProfileTable, r: Int) in t.metadata[r][t.columnIndex("Metadata_Compound")!] + "@" + t.metadata[r][t.columnIndex("Metadata_Concentration")!] }
        var index: [String: Int] = [:]
        for r in 0..<theirs.rowCount { index[key(theirs, r)] = r }
        var maxDiff = 0.0
        for r in 0..<ours.rowCount {
            let s = try XCTUnwrap(index[key(ours, r)])
            XCTAssertEqual(ours.metadata[r][ours.columnIndex("Metadata_Batch")!], theirs.metadata[s][theirs.columnIndex("Metadata_Batch")!])
            for j in 0..<ours.featureCount { maxDiff = max(maxDiff, abs(ours[r, j] - theirs[s, j])) }
        }
        XCTAssertLessThan(maxDiff, 1e-12)
    }

    /// Query q: similarities to p1 (positive) 0.9, n1 (negative) 0.9, n2 0.5, p2 0.1.
    /// copairs ranks tied positives first: p1, n1, n2, p2 -> AP = (1/1 + 2/4) / 2.
    func testAveragePrecisionTieRanksPositiveFirst() throws {
        let cos = { (s: Double) in "\(s),\((1 - s * s).squareRoot())" }
        let csv = """
        Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1,f2
        q,1,m1,1,0
        n1,1,m2,\(cos(0.9))
        p1,1,m1,\(cos(0.9))
        n2,1,m2,\(cos(0.5))
        p2,1,m1,\(cos(0.1))
        """
        let t = try table(csv)
        let l = try TreatmentLabels(t)
        let ap = AveragePrecision(similarity: try CosineSimilarity(t), rows: l.moaRows,
                                  isPositive: { l.moa[$0] == l.moa[$1] && l.compound[$0] != l.compound[$1] },
                                  isNegative: { l.moa[$0] != l.moa[$1] })
        let q = try XCTUnwrap(ap.queries.first { $0.row == 0 })
        XCTAssertEqual(q.averagePrecision!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(q.positives, 2)
        XCTAssertEqual(q.total, 4)
        // n1's query has no positive (m2 has one other compound n2: it does).
        XCTAssertEqual(ap.queries.count, 5)
    }

    func testExpectedAPAndNullDistribution() {
        // M = 1 of L = 2: AP is 1 or 1/2, expected 3/4.
        XCTAssertEqual(AveragePrecision.expected(positives: 1, total: 2), 0.75, accuracy: 1e-15)
        let null = MeanAveragePrecision.nullDistribution(positives: 3, total: 20, size: 20_000, seed: 7)
        let mean = null.reduce(0, +) / Double(null.count)
        let mu0 = AveragePrecision.expected(positives: 3, total: 20)
        let sd = (null.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(null.count)).squareRoot()
        XCTAssertEqual(mean, mu0, accuracy: 5 * sd / Double(null.count).squareRoot())
        XCTAssertEqual(null, MeanAveragePrecision.nullDistribution(positives: 3, total: 20, size: 20_000, seed: 7))
        XCTAssertNotEqual(null, MeanAveragePrecision.nullDistribution(positives: 3, total: 20, size: 20_000, seed: 8))
        XCTAssertTrue(null.allSatisfy { $0 > 0 && $0 <= 1 })
    }

    func testBenjaminiHochbergMatchesStatsmodels() {
        // statsmodels.stats.multitest.multipletests([0.01, 0.04, 0.03, 0.5], method="fdr_bh")[1]
        let adjusted = MeanAveragePrecision.benjaminiHochberg([0.01, 0.04, 0.03, 0.5])
        for (a, b) in zip(adjusted, [0.04, 0.05333333333333334, 0.05333333333333334, 0.5]) {
            XCTAssertEqual(a, b, accuracy: 1e-15)
        }
    }

    func testLogisticGradientMatchesFiniteDifferences() {
        var rng = SeededRandom(seed: 3)
        let n = 7, d = 4, k = 3
        let x = (0..<(n * d)).map { _ in Double.random(in: -1...1, using: &rng) }
        let y = (0..<n).map { $0 % k }
        let theta = (0..<(k * (d + 1))).map { _ in Double.random(in: -1...1, using: &rng) }
        let (_, g) = LogisticRegression.lossAndGradient(theta: theta, x: x, n: n, d: d, y: y, k: k, c: 0.7)
        let h = 1e-6
        for i in theta.indices {
            var p = theta, m = theta
            p[i] += h; m[i] -= h
            let fd = (LogisticRegression.lossAndGradient(theta: p, x: x, n: n, d: d, y: y, k: k, c: 0.7).0
                - LogisticRegression.lossAndGradient(theta: m, x: x, n: n, d: d, y: y, k: k, c: 0.7).0) / (2 * h)
            XCTAssertEqual(g[i], fd, accuracy: 1e-7, "parameter \(i)")
        }
    }

    func testTreatmentLevelRejectsDuplicatesAndZeroProfiles() throws {
        let dup = try table("Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1\na,1,m,1\na,1,m,2\nb,1,m,1\n")
        var o = ProfileEvaluation.Options()
        o.level = .treatment
        XCTAssertThrowsError(try ProfileEvaluation(dup, options: o)) {
            XCTAssertEqual("\($0)", "t.csv:3: treatment a@1 appears twice in a treatment-level table")
        }
        let zero = try table("Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1\na,1,m,0\nb,1,m,1\n")
        XCTAssertThrowsError(try ProfileEvaluation(zero)) {
            XCTAssertTrue("\($0)".hasPrefix("t.csv:2: profile is all zeros"), "\($0)")
        }
    }

    /// Issue 21: constant features and values past float32's range reported mAP 1.0 with
    /// every MoA significant; they must be errors saying why.
    func testDegenerateFeaturesAreRefusedNotScoredPerfect() throws {
        let head = "Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1,f2\n"
        let constant = try table(head + "a,1,m1,2,3\nb,1,m1,2,3\nc,1,m2,2,3\nd,1,m2,2,3\n")
        XCTAssertThrowsError(try ProfileEvaluation(constant)) {
            XCTAssertTrue("\($0)".contains("constant or proportional features"), "\($0)")
            XCTAssertFalse("\($0)".contains("\n"))
        }
        let proportional = try table(head + "a,1,m1,1,2\nb,1,m1,2,4\nc,1,m2,3,6\nd,1,m2,4,8\n")
        XCTAssertThrowsError(try ProfileEvaluation(proportional))
        let huge = try table(head + "a,1,m1,1e300,2\nb,1,m1,2,4\nc,1,m2,3,-6\nd,1,m2,4,8\n")
        XCTAssertThrowsError(try ProfileEvaluation(huge)) {
            XCTAssertEqual("\($0)", "t.csv:2: column 'f1': expected a number within float32's range (|x| <= 3.4e38), found 1e+300")
        }
        // The report's map of constant features has no variance to show, and says so.
        let wide = try table("Metadata_Compound,f1,f2,f3\na,1,1,1\nb,1,1,1\nc,1,1,1\n")
        XCTAssertNoThrow(try ProfileMap(wide, umap: false))
    }

    func testWriteProducesAllFiles() throws {
        let dir = try temporaryDirectory(self)
        var o = ProfileEvaluation.Options()
        o.nullSize = 200
        o.forestTrees = 10
        let eval = try ProfileEvaluation(Fixtures.table("wells.csv"), options: o)
        try eval.write(to: dir)
        for name in ["evaluation.json", "per_moa.csv", "confusion.csv", "neighbors.csv", "replicate_map.csv", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("evaluation.json"))) as! [String: Any]
        for key in ["nsc", "nscb", "map_moa", "n_treatments"] { XCTAssertNotNil(json[key], key) }
        let confusion = try CSVTable(contentsOf: dir.appendingPathComponent("confusion.csv"))
        XCTAssertEqual(confusion.rows.count, 8)
        let total = confusion.rows.reduce(0) { $0 + $1.dropFirst().reduce(0) { $0 + Int($1)! } }
        XCTAssertEqual(total, eval.nsc.queryCount)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }
}

/// The random forest: a known separable case, determinism, and scikit-learn's accuracy
/// on the fixture within a few treatments (different random streams, same algorithm).
final class RandomForestTests: XCTestCase {
    func testSeparableDataIsLearnedAndSeedsRepeat() {
        var rng = SeededRandom(seed: 11)
        let n = 60, d = 5
        var x: [Double] = [], y: [Int] = []
        for i in 0..<n {
            let c = i % 3
            for j in 0..<d { x.append(Double.random(in: 0..<1, using: &rng) + (j == 2 ? Double(c) * 2 : 0)) }
            y.append(c)
        }
        let forest = RandomForest(x: x, n: n, d: d, y: y, classCount: 3, treeCount: 25, seed: 1)
        XCTAssertEqual((0..<n).filter { forest.predict(x[($0 * d)..<(($0 + 1) * d)]) == y[$0] }.count, n)
        XCTAssertEqual(forest.predict([0.5, 0.5, 4.5, 0.5, 0.5]), 2)
        XCTAssertEqual(forest.predict([0.5, 0.5, 0.5, 0.5, 0.5]), 0)
        let again = RandomForest(x: x, n: n, d: d, y: y, classCount: 3, treeCount: 25, seed: 1)
        let other = RandomForest(x: x, n: n, d: d, y: y, classCount: 3, treeCount: 25, seed: 2)
        let probe: [Double] = [0.5, 0.5, 1.0, 0.5, 0.5]
        XCTAssertEqual(forest.probabilities(probe[...]), again.probabilities(probe[...]))
        XCTAssertNotEqual(forest.probabilities(probe[...]), other.probabilities(probe[...]))
    }

    func testLeaveCompoundOutAccuracyNearScikitLearn() throws {
        let expected = try Fixtures.expected()
        let ref = (expected["random_forest"] as! [String: Any])["accuracy"] as! Double
        let table = try Fixtures.table("treatments.csv")
        let probe = ClassifierProbe(table: table, labels: try TreatmentLabels(table),
                                    kind: .randomForest(trees: 100, seed: 0))
        // 60 treatments: within 6 of scikit-learn's correct count.
        XCTAssertEqual(probe.accuracy, ref, accuracy: 0.1)
        print("parity forest: ours=\(probe.accuracy) sklearn=\(ref)")
    }
}

final class EvaluationEdgeTests: XCTestCase {
    func table(_ csv: String) throws -> ProfileTable {
        try ProfileTable(csv: CSVTable(parsing: csv, source: "e.csv"))
    }

    func options() -> ProfileEvaluation.Options {
        var o = ProfileEvaluation.Options()
        o.nullSize = 100
        o.forestTrees = 5
        return o
    }

    func testConflictingMoAAcrossWellsIsAnError() throws {
        let t = try table("""
        Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1,f2
        a,1,m1,1,0
        a,1,m2,1,0.1
        b,1,m1,0,1
        """)
        XCTAssertThrowsError(try ProfileEvaluation(t, options: options())) {
            XCTAssertEqual("\($0)", "e.csv:3: treatment a@1 has MoA 'm2' but e.csv:2 gives 'm1'")
        }
    }

    func testWithoutBatchColumnNSCBIsNull() throws {
        let t = try table("""
        Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1,f2
        a,1,m1,1,0
        b,1,m1,1,0.2
        c,1,m2,0,1
        d,1,m2,0.1,1
        """)
        let e = try ProfileEvaluation(t, options: options())
        XCTAssertNil(e.nscb)
        XCTAssertEqual(e.nsc.accuracy, 1)
        XCTAssertEqual(e.moaAP.meanAveragePrecision, 1)
        let summary = e.summary()
        XCTAssertTrue(summary["nscb"] is NSNull)
        XCTAssertEqual(summary["n_treatments"] as? Int, 4)
        XCTAssertTrue(try e.summaryJSON().contains("\"nscb\":null"))
    }

    func testNSCBWithoutAnyCandidateIsNullNotNaN() throws {
        let csv = """
        Metadata_Compound,Metadata_Concentration,Metadata_MoA,Metadata_Batch,f1,f2
        a,1,m1,B1,1,0
        b,1,m1,B1,1,0.2
        c,1,m2,B1,0,1
        """
        let e = try ProfileEvaluation(table(csv), options: options())
        XCTAssertEqual(e.nscb?.queryCount, 0)
        let json = try e.summaryJSON()
        XCTAssertTrue(json.contains("\"nscb\":null"), json)
        XCTAssertTrue(json.contains("\"top_k_nscb\":{\"1\":null,\"5\":null}"), json)
    }
}

final class EmbeddingTests: XCTestCase {
    /// embeddings.npy (float32, 4 x 3) and its values as numpy printed them in float64.
    func testReadsNumpyFloat32AndAggregatesCellsToWells() throws {
        let m = try NPYArray.read(Fixtures.url("embeddings.npy"))
        XCTAssertEqual(m.shape, [4, 3])
        XCTAssertEqual(Array(m.doubles()[0..<3]), [-0.8019314408302307, -1.3243589401245117, -0.24836161732673645])
        XCTAssertEqual(m.doubles()[11], -1.2333287000656128)
        let cells = try CSVTable(contentsOf: Fixtures.url("embeddings_cells.csv"))
        let table = try ProfileTable(cells: cells, embeddings: m)
        XCTAssertEqual(table.metadataColumns, ["Metadata_Plate", "Metadata_Well", "Metadata_Cell"])
        XCTAssertEqual(table.featureNames, ["Embedding_0000", "Embedding_0001", "Embedding_0002"])
        let wells = try Aggregation(keys: Aggregation.wellKeys).apply(to: table)
        XCTAssertEqual(try wells.metadataValues("Metadata_Count"), ["3", "1"])
        // Per-cell ids are not a property of the well: no joined "1;2;3" string.
        XCTAssertEqual(wells.metadataColumns, ["Metadata_Plate", "Metadata_Well", "Metadata_Count"])
        for (a, b) in zip(Array(wells.row(0)), [0.417765607436498, 0.02815211812655131, -0.4573279718557994]) {
            XCTAssertEqual(a, b, accuracy: 1e-15)
        }
    }

    func testBadNumpyFilesAreOneLineErrors() throws {
        XCTAssertThrowsError(try NPYArray.parse(Data("hello".utf8), source: "x.npy")) {
            XCTAssertEqual("\($0)", "x.npy: not a .npy file (bad magic)")
        }
        var data = try Data(contentsOf: Fixtures.url("embeddings.npy"))
        data.removeLast(4)
        XCTAssertThrowsError(try NPYArray.parse(data, source: "t.npy")) {
            XCTAssertEqual("\($0)", "t.npy: truncated data: 44 bytes, expected 48 for shape [4, 3]")
        }
        XCTAssertThrowsError(try ProfileTable(cells: CSVTable(parsing: "Metadata_Cell\n1\n"),
                                              embeddings: NPYArray(int64: [1], shape: [1]), embeddingsSource: "i.npy"))
        let cells = try CSVTable(parsing: "Metadata_Cell\n1\n")
        XCTAssertThrowsError(try ProfileTable(cells: cells, embeddings: NPYArray.read(Fixtures.url("embeddings.npy")),
                                              embeddingsSource: "e.npy")) {
            XCTAssertEqual("\($0)", "e.npy: 4 embedding rows but <memory> has 1 cells")
        }
    }
}

final class OutlierScoreTests: XCTestCase {
    func testKNNDistanceScoresByHand() throws {
        // Rows 0-3 point nearly along x; row 4 along y. Cosine distances to the nearest
        // other row: row 4 -> 1 - cos(angle to (1, 0.3)).
        let csv = """
        Metadata_Well,f1,f2
        A,1,0
        B,1,0.1
        C,1,0.2
        D,1,0.3
        E,0,1
        """
        let t = try ProfileTable(csv: CSVTable(parsing: csv))
        let o = try OutlierScores(t, k: 1)
        XCTAssertEqual(o.ranking.first, 4)
        XCTAssertEqual(o.scores[4], 1 - 0.3 / (1.09).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(o.scores[0], 1 - 1 / (1.01).squareRoot(), accuracy: 1e-12)
        XCTAssertGreaterThan(o.robustZ[4], 3)
        let k2 = try OutlierScores(t, k: 2)
        XCTAssertEqual(k2.scores[0], 1 - 1 / (1.04).squareRoot(), accuracy: 1e-12)
        XCTAssertThrowsError(try OutlierScores(t, k: 5))
    }
}

final class ErrorMessageTests: XCTestCase {
    func testAggregatedTablesStillNameTheirFile() throws {
        let t = try ProfileTable(csv: CSVTable(parsing: "Metadata_Plate,Metadata_Well,Metadata_Compound,f1\nP,A1,a,1\nP,A1,a,2\n", source: "w.csv"))
        let wells = try Aggregation(keys: Aggregation.wellKeys).apply(to: t)
        XCTAssertEqual(wells.rowOrigins, ["w.csv: group Metadata_Plate=P,Metadata_Well=A1"])
        XCTAssertThrowsError(try PlateNormalization(method: .standardize).apply(to: wells)) {
            XCTAssertEqual("\($0)", "w.csv: plate 'P' has no DMSO rows to normalize against (first row: w.csv: group Metadata_Plate=P,Metadata_Well=A1)")
        }
    }
}

final class ParquetWriterTests: XCTestCase {
    /// The committed .parquet fixtures were written by this writer and read back equal to
    /// their CSVs by pyarrow/pandas (expected.json); the writer must still produce them.
    func testWritesTheBytesPyarrowVerified() throws {
        let verified = (try Fixtures.expected())["parquet_read_by_pyarrow"] as! [String: Any]
        for name in ["treatments", "featsel"] {
            XCTAssertEqual(verified[name] as? Bool, true, name)
            let table = try Fixtures.table("\(name).csv", allowMissing: true)
            let expected = try Data(contentsOf: Fixtures.url("\(name).parquet"))
            let got = try ParquetWriter.data(table)
            if got != expected {
                // Leave the new bytes for scripts/reference/check_parquet.py to judge before
                // they replace the fixture.
                let out = FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-\(name).parquet")
                try got.write(to: out)
                XCTFail("\(name).parquet differs from the writer's output (written to \(out.path))")
            }
        }
    }

    /// Metadata columns are typed as pandas types the CSV, but only where that is lossless.
    func testMetadataColumnTypes() {
        typealias T = ParquetWriter.MetadataType
        XCTAssertEqual(T(["7", "-2", "0", "24277"]), .int64)
        XCTAssertEqual(T(["10", "0.1", "1e-05", "-3.5E+2"]), .double)
        XCTAssertEqual(T(["7", "007"]), .string)          // leading zero: a name, not a number
        XCTAssertEqual(T(["1", ""]), .string)             // empty value
        XCTAssertEqual(T(["B02", "1"]), .string)
        XCTAssertEqual(T(["1.", ".5"]), .string)          // not plain decimals
        XCTAssertEqual(T(["NaN", "inf"]), .string)
        XCTAssertEqual(T(["1e999"]), .string)             // not finite
        XCTAssertEqual(T(["+5"]), .string)
        XCTAssertEqual(T(["9223372036854775808", "1.5"]), .string) // past Int64: a double would drop digits
        XCTAssertEqual(T([]), .string)
    }

    /// The single-cell Parquet's metadata: CellProfiler's names, typed by what each column
    /// holds (the same for every plate), as pandas would type typical values.
    func testSingleCellColumnsNamesAndTypes() {
        let columns = ScreenMeasurement.singleCellColumns
        XCTAssertEqual(columns.map(\.name), ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_ObjectNumber",
                                             "Nuclei_Location_Center_X", "Nuclei_Location_Center_Y",
                                             "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"])
        let typical = [["P1", "A01", "1", "3", "10.50", "12.25", "B1", "cmp", "0.1", "moa"],
                       ["P1", "A01", "2", "7", "30.00", "40.75", "B1", "cmp", "0.1", "moa"]]
        let inferred = columns.indices.map { c in ParquetWriter.MetadataType(typical.map { $0[c] }) }
        XCTAssertEqual(columns.map(\.type), inferred.map { t -> ParquetStreamWriter.ColumnType in
            switch t { case .int64: return .int64; case .double: return .double; case .string: return .utf8 }
        })
    }

    /// An integer column named in doubleMetadata is written as DOUBLE (physical type 5 in the
    /// column's metadata), the same column otherwise as INT64 (2); values are the same numbers.
    func testDoubleMetadataOverridesInt64() throws {
        let table = ProfileTable(metadataColumns: ["Metadata_Concentration"], metadata: [["10"], ["1"]],
                                 featureNames: ["f"], features: [0, 1])
        let plain = try ParquetWriter.data(table), forced = try ParquetWriter.data(table, doubleMetadata: ["Metadata_Concentration"])
        // The first page holds the metadata column: 10 and 1 as little-endian Int64 or Double.
        let asInt = Data([10, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        var asDouble = Data()
        for v in [10.0, 1.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { asDouble.append(contentsOf: $0) } }
        XCTAssertNotNil(plain.range(of: asInt))
        XCTAssertNil(plain.range(of: asDouble))
        XCTAssertNotNil(forced.range(of: asDouble))
        XCTAssertNil(forced.range(of: asInt))
        XCTAssertEqual(try ParquetWriter.data(table, doubleMetadata: ["Metadata_Other"]), plain)
    }

    func testThriftCompactEncodings() {
        var t = ThriftCompact()
        t.i32(1, -3)        // delta 1, type 5, zigzag(-3) = 5
        t.i64(20, 300)      // delta 19 > 15: long form, id zigzag 40, value zigzag 600 = 0xD8 0x04
        t.string(21, "ab")
        t.stop()
        XCTAssertEqual([UInt8](t.bytes), [0x15, 0x05, 0x06, 0x28, 0xD8, 0x04, 0x18, 0x02, 0x61, 0x62, 0x00])
    }
}
