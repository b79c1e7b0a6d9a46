import Foundation
import Screen
import XCTest
@testable import Profiling

/// The CellProfiler fixture of scripts/reference/make_cellprofiler_fixtures.py (two plates,
/// Cells / Cytoplasm / Nuclei with real column names and NaN), written both as
/// ExportToSpreadsheet CSVs and as an ExportToDatabase SQLite: both imports give the same
/// single-cell table, and its well profiles (median, then per-plate mad_robustize against
/// DMSO) equal pycytominer's `aggregate` + `normalize` on the same tables within 1e-6.
final class CellProfilerParityTests: XCTestCase {
    static let compartments = ["Cells", "Cytoplasm", "Nuclei"]

    func url(_ name: String) -> URL { Fixtures.url("cellprofiler/\(name)") }

    func csvImport() throws -> CSVTable {
        try CellProfilerImport.singleCells(CellProfilerCSVSource(
            image: CSVTable(contentsOf: url("Image.csv")),
            objects: Self.compartments.map { ($0, try CSVTable(contentsOf: url("\($0).csv"))) }))
    }

    func sqliteImport() throws -> CSVTable {
        try CellProfilerImport.singleCells(CellProfilerSQLiteSource(url: url("cellprofiler.sqlite"), compartments: Self.compartments))
    }

    func testCSVAndSQLiteImportsGiveTheSameSingleCellTable() throws {
        let csv = try csvImport(), sqlite = try sqliteImport()
        XCTAssertEqual(csv.header, sqlite.header)
        XCTAssertEqual(csv.rows.count, 152)
        XCTAssertEqual(csv.rows, sqlite.rows)
        // Default compartments of the database: every Per_<Object> table, Cells first.
        let auto = try CellProfilerImport.singleCells(CellProfilerSQLiteSource(url: url("cellprofiler.sqlite")))
        XCTAssertEqual(auto.header, sqlite.header)
        let table = try ProfileTable(csv: sqlite, allowMissing: true)
        XCTAssertEqual(table.featureCount, 17)
        XCTAssertTrue(table.features.contains { $0.isNaN })
        XCTAssertFalse(table.featureNames.contains { $0.contains("Number_Object_Number") || $0.contains("Parent_") || $0.contains("Location_") })
    }

    func testWellProfilesEqualPycytominerAggregateAndMadRobustize() throws {
        let expected = try Fixtures.table("cellprofiler/pycytominer_well_profiles.csv", allowMissing: true)
        let plates = try expected.metadataValues("Metadata_Plate"), wells = try expected.metadataValues("Metadata_Well")
        for (name, single) in [("csv", try csvImport()), ("sqlite", try sqliteImport())] {
            let cells = try ProfileTable(csv: single, allowMissing: true)
            let pipeline = ProfilePipeline(aggregation: Aggregation(keys: Aggregation.wellKeys, method: .median),
                                           normalization: PlateNormalization(method: .madRobustize))
            let got = try pipeline.apply(to: cells)
            XCTAssertEqual(got.rowCount, expected.rowCount)
            let gotPlates = try got.metadataValues("Metadata_Plate"), gotWells = try got.metadataValues("Metadata_Well")
            var nans = 0
            for r in 0..<expected.rowCount {
                guard let g = gotPlates.indices.first(where: { gotPlates[$0] == plates[r] && gotWells[$0] == wells[r] }) else {
                    XCTFail("\(name): no profile for \(plates[r]) \(wells[r])"); continue
                }
                for (j, feature) in expected.featureNames.enumerated() {
                    guard let gj = got.featureNames.firstIndex(of: feature) else { XCTFail("\(name): no \(feature)"); continue }
                    let e = expected[r, j], v = got[g, gj]
                    if e.isNaN { XCTAssertTrue(v.isNaN, "\(name) \(plates[r]) \(wells[r]) \(feature): \(v), pycytominer NaN"); nans += 1; continue }
                    XCTAssertEqual(v, e, accuracy: 1e-6, "\(name) \(plates[r]) \(wells[r]) \(feature)")
                }
            }
            XCTAssertEqual(nans, 1, "the all-NaN FormFactor well stays NaN")
            // No feature has zero MAD on these DMSO wells, so robust-z (which only guards that case) agrees.
            let robust = try ProfilePipeline(aggregation: Aggregation(keys: Aggregation.wellKeys, method: .median),
                                             normalization: PlateNormalization(method: .robustZ)).apply(to: cells)
            for (a, b) in zip(robust.features, got.features) where !a.isNaN { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
    }

    func testMadRobustizeDividesZeroSpreadByEpsilonAsPycytominer() throws {
        // Three DMSO wells with the same value: MAD 0. pycytominer divides by epsilon; robust-z only centres.
        let t = ProfileTable(metadataColumns: ["Metadata_Plate", "Metadata_Compound"],
                             metadata: [["P", "DMSO"], ["P", "DMSO"], ["P", "DMSO"], ["P", "x"]],
                             featureNames: ["f"], features: [2, 2, 2, 2.5])
        let exact = try PlateNormalization(method: .madRobustize, epsilon: 1e-6).apply(to: t)
        XCTAssertEqual(exact[3, 0], 0.5 / 1e-6, accuracy: 1e-3)
        let guarded = try PlateNormalization(method: .robustZ).apply(to: t)
        XCTAssertEqual(guarded[3, 0], 0.5)
    }
}
