import Foundation
import Screen
import XCTest
@testable import Profiling

/// CellProfiler ExportToSpreadsheet tables (real column names, NaNs, three object tables)
/// joined into one single-cell table, then aggregated to wells: bookkeeping columns are
/// metadata, NaN is skipped, objects are linked by their parents.
final class CellProfilerImportTests: XCTestCase {
    func table(_ text: String, _ name: String) throws -> CSVTable { try CSVTable(parsing: text, source: name) }

    func tables() throws -> (CSVTable, [(name: String, table: CSVTable)]) {
        let image = try table("""
        ImageNumber,Metadata_Plate,Metadata_Well,Metadata_Site,Count_Cells
        1,P1,B02,1,2
        2,P1,B03,1,1
        """, "Image.csv")
        let cells = try table("""
        ImageNumber,ObjectNumber,Parent_Nuclei,Location_Center_X,Location_Center_Y,AreaShape_Area,Intensity_MeanIntensity_OrigDNA
        1,1,1,10.5,20,100,0.5
        1,2,3,30,40,200,nan
        2,1,1,5,5,50,0.25
        """, "Cells.csv")
        let cytoplasm = try table("""
        ImageNumber,ObjectNumber,Parent_Cells,Parent_Nuclei,AreaShape_Area
        1,1,2,3,150
        1,2,1,1,60
        """, "Cytoplasm.csv")
        let nuclei = try table("""
        ImageNumber,ObjectNumber,Children_Cells_Count,Location_Center_X,AreaShape_Area,AreaShape_NormalizedMoment_0_0
        1,1,1,10,40,NaN
        1,2,0,99,1000,NaN
        1,3,1,30,50,NaN
        2,1,1,5,20,NaN
        """, "Nuclei.csv")
        return (image, [("Cells", cells), ("Cytoplasm", cytoplasm), ("Nuclei", nuclei)])
    }

    func testJoinKeepsNaNAndBookkeepingAsMetadata() throws {
        let (image, objects) = try tables()
        let single = try CellProfilerImport.singleCells(image: image, objects: objects)
        let t = try ProfileTable(csv: single, allowMissing: true)
        XCTAssertEqual(t.rowCount, 3)
        XCTAssertEqual(t.featureNames, ["Cells_AreaShape_Area", "Cells_Intensity_MeanIntensity_OrigDNA", "Cytoplasm_AreaShape_Area",
                                        "Nuclei_AreaShape_Area", "Nuclei_AreaShape_NormalizedMoment_0_0"])
        XCTAssertTrue(t.metadataColumns.contains("Metadata_Cells_ObjectNumber"))
        XCTAssertTrue(t.metadataColumns.contains("Metadata_Cytoplasm_Parent_Cells"))
        XCTAssertTrue(t.metadataColumns.contains("Metadata_Nuclei_Location_Center_X"))
        // Cell 2 of image 1: cytoplasm 1 (Parent_Cells 2), nucleus 3 (its Parent_Nuclei).
        XCTAssertEqual(t[1, 2], 150)
        XCTAssertEqual(t[1, 3], 50)
        XCTAssertTrue(t[1, 1].isNaN)
        // Image 2's cell has no cytoplasm row: NaN there.
        XCTAssertTrue(t[2, 2].isNaN)

        let wells = try Aggregation(keys: Aggregation.wellKeys).apply(to: t)
        XCTAssertEqual(try wells.metadataValues("Metadata_Count"), ["2", "1"])
        XCTAssertEqual(Array(wells.row(0).prefix(4)), [150, 0.5, 105, 45])
        XCTAssertTrue(wells[0, 4].isNaN)
    }

    func testErrorsNameTableLineAndColumn() throws {
        let (image, objects) = try tables()
        func error(_ image: CSVTable, _ objects: [(name: String, table: CSVTable)]) -> String {
            do { _ = try CellProfilerImport.singleCells(image: image, objects: objects); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(error(try table("ImageNumber,Metadata_Well\n1,A01\n", "Image.csv"), objects),
                       "Image.csv:1: missing column 'Metadata_Plate'")
        let stray = try table("ImageNumber,ObjectNumber,AreaShape_Area\n9,1,5\n", "Cells.csv")
        XCTAssertEqual(error(image, [("Cells", stray)]), "Cells.csv:2: ImageNumber: 9 is not in Image.csv")
        let twice = try table("ImageNumber,ObjectNumber,Parent_Cells,AreaShape_Area\n1,1,1,5\n1,2,1,6\n", "Cytoplasm.csv")
        XCTAssertTrue(error(image, [objects[0], ("Cytoplasm", twice)]).hasPrefix("Cytoplasm.csv:3: Parent_Cells 1 of image 1 is listed twice"))
        XCTAssertTrue(error(image, []).contains("no object tables given"))
    }
}
