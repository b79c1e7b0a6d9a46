import Core
import Foundation
import Screen
import Tensor
import XCTest
@testable import Learning

/// Supervised classification of any label column with a seeded split by group (well,
/// compound...), its confusion matrix and per-class accuracy, and the leave-one-compound-out
/// evaluation built on it.
final class ClassificationTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("classify-\(UUID())")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// 96 cells in 12 wells of one plate, 8 cells a well; 3 "cell lines" (4 wells each) that
    /// differ in nucleus size and the second channel's gradient.
    static func makeCellLineStore(_ dir: URL) throws {
        var writer = try CropStoreWriter(directory: dir, channels: ["DNA", "Actin"], size: 16,
                                         metadataColumns: ["Metadata_Plate", "Metadata_Well", "Metadata_CellLine", "Metadata_Compound"],
                                         shardSize: 40)
        var rng = SeededRandom(seed: 5)
        for i in 0..<96 {
            let well = i / 8, line = well % 3
            var crop = [UInt16](repeating: 0, count: 2 * 16 * 16)
            for c in 0..<2 { for y in 0..<16 { for x in 0..<16 {
                let r = Double((x - 8) * (x - 8) + (y - 8) * (y - 8)).squareRoot()
                let signal = c == 0 ? (r < Double(2 + 2 * line) ? 20000.0 : 0) : Double(line) * 6000 * Double(y) / 16
                crop[(c * 16 + y) * 16 + x] = UInt16(min(65535, max(0, signal + 2000 * Double(rng.uniform()))))
            } } }
            try writer.append(crop, metadata: ["P1", "W\(well)", ["HeLa", "U2OS", "A549"][line], "cmp\(well % 6)"])
        }
        _ = try writer.finish()
    }

    /// Known answer, checked by hand and equal to scikit-learn's balanced_accuracy_score
    /// (classes without true cells left out of the mean).
    func testReportKnownAnswer() throws {
        let r = ClassificationReport(classes: ["a", "b", "c", "d"], truth: [0, 0, 0, 1, 1, 2], predicted: [0, 1, 0, 1, 1, 3])
        XCTAssertEqual(r.counts, [[2, 1, 0, 0], [0, 2, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
        XCTAssertEqual(r.accuracy, 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(r.perClassAccuracy[0], 2.0 / 3, accuracy: 1e-12)
        XCTAssertTrue(r.perClassAccuracy[3].isNaN)
        XCTAssertEqual(r.balancedAccuracy, (2.0 / 3 + 1 + 0) / 3, accuracy: 1e-12)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try r.write(to: root)
        let confusion = try CSVTable(contentsOf: root.appendingPathComponent("confusion_matrix.csv"))
        XCTAssertEqual(confusion.header, ["true\\predicted", "a", "b", "c", "d"])
        XCTAssertEqual(confusion.rows[0], ["a", "2", "1", "0", "0"])
        let perClass = try CSVTable(contentsOf: root.appendingPathComponent("per_class_accuracy.csv"))
        XCTAssertEqual(perClass.rows.map { $0[0] }, ["a", "b", "c", "d", "(balanced)"])
        XCTAssertEqual(perClass.rows[3][3], "")
        XCTAssertEqual(Double(perClass.rows[4][3])!, 5.0 / 9, accuracy: 1e-12)
    }

    func config(seed: Int = 0) -> TrainConfig {
        var c = TrainConfig()
        c.method = .supervised
        c.labelColumn = "Metadata_CellLine"
        c.splitBy = ["Metadata_Plate", "Metadata_Well"]
        c.validationFraction = 0.25
        c.epochs = 3
        c.batchSize = 8
        c.lr = 3e-3
        c.seed = seed
        return c
    }

    func testCellLinesClassifiedOnHeldOutWells() throws {
        let crops = root.appendingPathComponent("crops")
        try Self.makeCellLineStore(crops)
        let data = try CropDataset.open(crops, labelColumn: "Metadata_CellLine")
        let wells = try data.groups(by: ["Metadata_Plate", "Metadata_Well"])
        let dir = root.appendingPathComponent("runs/lines")
        let trainer = try Trainer(config: config(), data: data, runDirectory: dir)
        XCTAssertEqual(trainer.classes, ["A549", "HeLa", "U2OS"])
        // 12 wells, a quarter held out: 3 wells, 24 cells, none of them a training well.
        XCTAssertEqual(Set(trainer.validationIndices.map { wells[$0] }).count, 3)
        XCTAssertEqual(trainer.validationIndices.count, 24)
        XCTAssertTrue(Set(trainer.trainIndices.map { wells[$0] }).isDisjoint(with: trainer.validationIndices.map { wells[$0] }))
        // Seeded: the same seed gives the same split, another seed another one.
        XCTAssertEqual(try Trainer(config: config(), data: data, runDirectory: dir).validationIndices, trainer.validationIndices)
        XCTAssertNotEqual(try Trainer(config: config(seed: 1), data: data, runDirectory: dir).validationIndices, trainer.validationIndices)
        try trainer.run()
        let confusion = try CSVTable(contentsOf: dir.appendingPathComponent("confusion_matrix.csv"))
        XCTAssertEqual(confusion.header, ["true\\predicted", "A549", "HeLa", "U2OS"])
        let total = confusion.rows.reduce(0) { $0 + $1.dropFirst().reduce(0) { $0 + Int($1)! } }
        XCTAssertEqual(total, 24)
        let perClass = try CSVTable(contentsOf: dir.appendingPathComponent("per_class_accuracy.csv"))
        XCTAssertEqual(perClass.rows.last?.first, "(balanced)")
        // The run's metrics carry the held-out accuracy; the lines differ clearly, so far above chance.
        let records = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let balanced = try XCTUnwrap(records.compactMap { $0["validation_balanced_accuracy"] as? Double }.last)
        XCTAssertEqual(balanced, Double(perClass.rows.last![3])!, accuracy: 1e-12)
        XCTAssertGreaterThan(balanced, 0.6)
    }

    func testMissingSplitColumnIsNamed() throws {
        let crops = root.appendingPathComponent("crops")
        try Self.makeCellLineStore(crops)
        let data = try CropDataset.open(crops, labelColumn: "Metadata_CellLine")
        var c = config()
        c.splitBy = ["Metadata_Batch"]
        XCTAssertThrowsError(try Trainer(config: c, data: data, runDirectory: root.appendingPathComponent("runs/x"))) {
            XCTAssertTrue("\($0)".contains("no column 'Metadata_Batch' (split_by)"), "\($0)")
        }
        XCTAssertThrowsError(try TrainConfig.parse("split_by: Metadata_Well\n", file: "t.yaml"))
        XCTAssertEqual(try TrainConfig.parse("split_by: [Metadata_Plate, Metadata_Well]\n", file: "t.yaml").splitBy,
                       ["Metadata_Plate", "Metadata_Well"])
    }

    /// Leave-one-compound-out on the MoA store of TrainerTests (3 MoAs x 2 compounds): each
    /// held-out compound is predicted from the other five, and the summary's interval holds
    /// the accuracy.
    func testLeaveOneCompoundOut() throws {
        let crops = root.appendingPathComponent("crops")
        try TrainerTests.makeStore(crops)
        let data = try CropDataset.open(crops, labelColumn: "Metadata_MoA")
        var c = TrainConfig()
        c.epochs = 2; c.batchSize = 8; c.lr = 3e-3; c.evalEvery = 0
        let holdOut = CompoundHoldOut(config: c, data: data, control: "DMSO", cellsPerCompound: 4)
        XCTAssertEqual(try holdOut.queryCompounds(), ["cmp0-0", "cmp0-1", "cmp1-0", "cmp1-1", "cmp2-0", "cmp2-1"])
        XCTAssertEqual(CompoundHoldOut.spread(try holdOut.queryCompounds(), labels: try holdOut.compoundLabels(), count: 4),
                       ["cmp0-0", "cmp1-0", "cmp2-0", "cmp0-1"])
        var outcomes: [CompoundHoldOut.Outcome] = []
        for compound in ["cmp0-0", "cmp2-1"] {
            let o = try holdOut.evaluate(compound, runDirectory: root.appendingPathComponent("runs/\(compound)"))
            XCTAssertNotEqual(o.nearestCompound, compound)
            XCTAssertEqual(o.label, compound == "cmp0-0" ? "moa0" : "moa2")
            outcomes.append(o)
        }
        // Every other compound trained: 40 cells (48 less the held-out 8), 5 steps of 8.
        let trainer = try Trainer(config: { var x = holdOut.config; x.heldOutCompound = "cmp0-0"; return x }(), data: data,
                                  runDirectory: root.appendingPathComponent("runs/check"))
        XCTAssertEqual(trainer.trainIndices.count, 40)
        XCTAssertTrue(trainer.validationIndices.isEmpty)
        XCTAssertThrowsError(try holdOut.evaluate("nope", runDirectory: root.appendingPathComponent("runs/nope")))
        let summary = CompoundHoldOut.Summary(outcomes: outcomes, resamples: 200, seed: 0)
        XCTAssertEqual(summary.compounds, 2)
        XCTAssertLessThanOrEqual(summary.intervalLow, summary.accuracy)
        XCTAssertGreaterThanOrEqual(summary.intervalHigh, summary.accuracy)
    }

    /// The percentile bootstrap of a hit rate: all hits gives [1, 1]; 7 of 10 gives an
    /// interval around 0.7 that a binomial's spread bounds (sd 0.145: 95 % within about
    /// 0.4...1.0), and the same seed the same interval.
    func testBootstrapInterval() {
        XCTAssertTrue(CompoundHoldOut.bootstrapInterval([true, true, true], resamples: 100, seed: 1) == (1, 1))
        let hits = (0..<10).map { $0 < 7 }
        let (lo, hi) = CompoundHoldOut.bootstrapInterval(hits, resamples: 4000, seed: 3)
        XCTAssertTrue(lo >= 0.3 && lo <= 0.5, "\(lo)")
        XCTAssertTrue(hi >= 0.9 && hi <= 1.0, "\(hi)")
        XCTAssertTrue(CompoundHoldOut.bootstrapInterval(hits, resamples: 4000, seed: 3) == (lo, hi))
        XCTAssertTrue(CompoundHoldOut.bootstrapInterval([], resamples: 10, seed: 0).0.isNaN)
    }
}
