import Core
import Foundation
import Profiling
import Screen
import XCTest

/// Well profiles streamed from per-plate cell files equal `Aggregation`'s well means over
/// all cells in memory (itself checked against pycytominer), and malformed files are refused
/// with the file named.
final class CellFileAggregationTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellfiles-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testSyntheticTableStreamsToTheInMemoryWellMeans() throws {
        let dir = try temporaryDirectory()
        let layout = ScreenLayout.standard(plates: 3, format: .wells96, sitesPerWell: 1, platesPerBatch: 2, seed: 5)
        let table = SyntheticCellTable(layout: layout, features: 6, cellsPerWell: 4, seed: 5)
        var progress: [Int] = []
        let files = try table.write(to: dir) { progress.append($0) }
        XCTAssertEqual(progress, [384, 768, 1152])
        let streamed = try CellFileAggregation(featureNames: table.featureNames)
            .wells(files.map { .init(values: $0.values, metadata: $0.metadata) })

        // Reference: every cell in one table, well means by Aggregation.
        var metadata: [[String]] = [], values: [Double] = []
        var columns: [String] = []
        for f in files {
            let csv = try CSVTable(contentsOf: f.metadata)
            columns = csv.header
            metadata += csv.rows
            values += try NPYArray.read(f.values).floats().map(Double.init)
        }
        let cells = ProfileTable(metadataColumns: columns, metadata: metadata, featureNames: table.featureNames, features: values)
        let reference = try Aggregation(keys: Aggregation.wellKeys).apply(to: cells)
        XCTAssertEqual(streamed.rowCount, layout.wells.count)
        XCTAssertEqual(streamed.rowCount, reference.rowCount)
        for name in ["Metadata_Plate", "Metadata_Well", "Metadata_Batch", "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA", "Metadata_Count"] {
            XCTAssertEqual(try streamed.metadataValues(name), try reference.metadataValues(name), name)
        }
        for (a, b) in zip(streamed.features, reference.features) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        XCTAssertEqual(try streamed.metadataValues("Metadata_Count"), Array(repeating: "4", count: streamed.rowCount))
    }

    func testSameSeedSameFilesAndDMSOHasNoEffect() throws {
        let layout = ScreenLayout.standard(plates: 1, format: .wells96, sitesPerWell: 1, platesPerBatch: 1, seed: 2)
        let a = try temporaryDirectory(), b = try temporaryDirectory()
        let table = SyntheticCellTable(layout: layout, features: 4, cellsPerWell: 2, seed: 9)
        let fa = try table.write(to: a), fb = try table.write(to: b)
        XCTAssertEqual(try Data(contentsOf: fa[0].values), try Data(contentsOf: fb[0].values))
        XCTAssertEqual(try Data(contentsOf: fa[0].metadata), try Data(contentsOf: fb[0].metadata))
        XCTAssertEqual(table.effect(of: Treatment(compound: "DMSO", concentration: 0, moa: "DMSO")), [0, 0, 0, 0])
        let treated = try XCTUnwrap(layout.treatments.first { !$0.isControl })
        XCTAssertTrue(table.effect(of: treated).contains { $0 != 0 })
        let other = SyntheticCellTable(layout: layout, features: 4, cellsPerWell: 2, seed: 10)
        let c = try temporaryDirectory()
        XCTAssertNotEqual(try Data(contentsOf: other.write(to: c)[0].values), try Data(contentsOf: fa[0].values))
    }

    func testRefusesMismatchedAndSplitWells() throws {
        let dir = try temporaryDirectory()
        let names = ["f1", "f2"]
        func plate(_ name: String, rows: [[String]], values: [Float], shape: [Int]) throws -> CellFileAggregation.PlateFiles {
            let files = CellFileAggregation.PlateFiles.cells(of: name, in: dir)
            try NPYArray(float32: values, shape: shape).write(to: files.values)
            try CSVTable(header: ["Metadata_Plate", "Metadata_Well", "Metadata_Compound"], rows: rows).write(to: files.metadata)
            return files
        }
        let good = try plate("P1", rows: [["P1", "A01", "DMSO"], ["P1", "A01", "DMSO"]], values: [1, 2, 3, .nan], shape: [2, 2])
        let wells = try CellFileAggregation(featureNames: names).wells([good])
        XCTAssertEqual(wells.features, [2, 2])   // NaN skipped: the second feature's mean is over one cell
        XCTAssertEqual(wells.metadataColumns, ["Metadata_Plate", "Metadata_Well", "Metadata_Compound", "Metadata_Count"])

        let short = try plate("P2", rows: [["P2", "A01", "DMSO"]], values: [1, 2, 3, 4], shape: [2, 2])
        XCTAssertThrowsError(try CellFileAggregation(featureNames: names).wells([short])) { e in
            XCTAssertTrue("\(e)".contains("P2.npy") && "\(e)".contains("2 cells"), "\(e)")
        }
        let wide = try plate("P3", rows: [["P3", "A01", "DMSO"]], values: [1, 2, 3], shape: [1, 3])
        XCTAssertThrowsError(try CellFileAggregation(featureNames: names).wells([wide])) { e in
            XCTAssertTrue("\(e)".contains("P3.npy") && "\(e)".contains("x 2 features"), "\(e)")
        }
        let split = try plate("P4", rows: [["P1", "A01", "DMSO"]], values: [1, 2], shape: [1, 2])
        XCTAssertThrowsError(try CellFileAggregation(featureNames: names).wells([good, split])) { e in
            XCTAssertTrue("\(e)".contains("P4_cells.csv") && "\(e)".contains("P1 A01"), "\(e)")
        }
        let mixed = try plate("P5", rows: [["P5", "A01", "DMSO"], ["P5", "A01", "X"]], values: [1, 2, 3, 4], shape: [2, 2])
        XCTAssertThrowsError(try CellFileAggregation(featureNames: names).wells([mixed])) { e in
            XCTAssertTrue("\(e)".contains("P5_cells.csv:3") && "\(e)".contains("Metadata_Compound"), "\(e)")
        }
    }
}
