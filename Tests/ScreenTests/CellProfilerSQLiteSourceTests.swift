import Foundation
import GRDB
import XCTest
@testable import Screen

/// ExportToDatabase SQLite files read image by image: the join matches the CSV tables', and
/// hostile databases (not SQLite, missing tables or columns, counts that disagree, text in a
/// feature column, objects of an unknown image) fail with one line naming the table, row and
/// column, leaving no output file.
final class CellProfilerSQLiteSourceTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cpsql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A two-image ExportToDatabase file; `edit` runs after the tables are filled.
    func database(_ name: String = "cp.sqlite", _ edit: String = "") throws -> URL {
        let url = dir.appendingPathComponent(name)
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE Per_Image (ImageNumber INTEGER, Image_Metadata_Plate TEXT, Image_Metadata_Well TEXT,
                    Image_Count_Cells INTEGER, Image_FileName_OrigDNA TEXT, PRIMARY KEY (ImageNumber));
                INSERT INTO Per_Image VALUES (1, 'P1', 'B02', 2, 'a.tif'), (2, 'P1', 'B03', 1, 'b.tif'), (3, 'P1', 'B04', 0, 'c.tif');
                CREATE TABLE Per_Cells (ImageNumber INTEGER, Cells_Number_Object_Number INTEGER, Cells_Parent_Nuclei INTEGER,
                    Cells_Location_Center_X FLOAT, Cells_AreaShape_Area FLOAT, Cells_Intensity_MeanIntensity_OrigDNA FLOAT,
                    PRIMARY KEY (ImageNumber, Cells_Number_Object_Number));
                INSERT INTO Per_Cells VALUES (1, 2, 3, 30.5, 200, NULL), (1, 1, 1, 10.5, 100, 0.5), (2, 1, 1, 5, 50, 0.25);
                CREATE TABLE Per_Cytoplasm (ImageNumber INTEGER, Cytoplasm_Number_Object_Number INTEGER,
                    Cytoplasm_Parent_Cells INTEGER, Cytoplasm_Parent_Nuclei INTEGER, Cytoplasm_AreaShape_Area FLOAT,
                    PRIMARY KEY (ImageNumber, Cytoplasm_Number_Object_Number));
                INSERT INTO Per_Cytoplasm VALUES (1, 1, 2, 3, 150), (1, 2, 1, 1, 60), (2, 1, 1, 1, 7);
                CREATE TABLE Per_Nuclei (ImageNumber INTEGER, Nuclei_Number_Object_Number INTEGER,
                    Nuclei_Location_Center_X FLOAT, Nuclei_AreaShape_Area FLOAT,
                    PRIMARY KEY (ImageNumber, Nuclei_Number_Object_Number));
                INSERT INTO Per_Nuclei VALUES (1, 1, 10, 40), (1, 2, 99, 1000), (1, 3, 30, 50), (2, 1, 5, 20);
                CREATE TABLE Per_Experiment (ExperimentNumber INTEGER);
                \(edit)
                """)
        }
        return url
    }

    func testJoinsByParentsAndKeepsNULLAsNaN() throws {
        let single = try CellProfilerImport.singleCells(CellProfilerSQLiteSource(url: try database()))
        XCTAssertEqual(single.header, [
            "Metadata_Plate", "Metadata_Well", "Metadata_ImageNumber",
            "Metadata_Cells_ObjectNumber", "Metadata_Cells_Parent_Nuclei", "Metadata_Cells_Location_Center_X",
            "Metadata_Cytoplasm_ObjectNumber", "Metadata_Cytoplasm_Parent_Cells", "Metadata_Cytoplasm_Parent_Nuclei",
            "Metadata_Nuclei_ObjectNumber", "Metadata_Nuclei_Location_Center_X",
            "Cells_AreaShape_Area", "Cells_Intensity_MeanIntensity_OrigDNA", "Cytoplasm_AreaShape_Area", "Nuclei_AreaShape_Area",
        ])
        // Ordered by ImageNumber, object number; cell 2 of image 1: cytoplasm 1, nucleus 3.
        XCTAssertEqual(single.rows, [
            ["P1", "B02", "1", "1", "1", "10.5", "2", "1", "1", "1", "10.0", "100.0", "0.5", "60.0", "40.0"],
            ["P1", "B02", "1", "2", "3", "30.5", "1", "2", "3", "3", "30.0", "200.0", "NaN", "150.0", "50.0"],
            ["P1", "B03", "2", "1", "1", "5.0", "1", "1", "1", "1", "5.0", "50.0", "0.25", "7.0", "20.0"],
        ])
    }

    func testWriteIsStreamedAndSameAsInMemory() throws {
        let source = try CellProfilerSQLiteSource(url: try database(), compartments: ["Cells", "Nuclei"])
        let out = dir.appendingPathComponent("cells.csv")
        let summary = try CellProfilerImport.write(source, to: out)
        XCTAssertEqual(summary, CellProfilerImport.Summary(objects: 3, features: 3, images: 2))
        let back = try CSVTable(contentsOf: out)
        let memory = try CellProfilerImport.singleCells(source)
        XCTAssertEqual(back.header, memory.header)
        XCTAssertEqual(back.rows, memory.rows)
    }

    /// The error of importing `url`, and that no output file was left.
    func failure(_ url: URL, _ compartments: [String] = []) -> String {
        let out = dir.appendingPathComponent("out.csv")
        do {
            try CellProfilerImport.write(CellProfilerSQLiteSource(url: url, compartments: compartments), to: out)
            return "no error"
        } catch {
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(error)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            XCTAssertFalse(left.contains { $0.hasPrefix(".tmp-") }, "temporary file left: \(left)")
            return "\(error)"
        }
    }

    func testHostileDatabasesFailWithOneLineNamingTableRowAndColumn() throws {
        let text = dir.appendingPathComponent("notes.sqlite")
        try Data("ImageNumber,Metadata_Plate\n1,P1\n".utf8).write(to: text)
        XCTAssertTrue(failure(text).hasPrefix("\(text.path): not a readable SQLite database"), failure(text))
        XCTAssertEqual(failure(dir.appendingPathComponent("missing.sqlite")), "\(dir.appendingPathComponent("missing.sqlite").path): no such file")

        let noTable = try database("notable.sqlite")
        XCTAssertTrue(failure(noTable, ["Cells", "Mito"]).contains("no table Per_Mito or Mito"), failure(noTable, ["Cells", "Mito"]))

        let noKey = try database("nokey.sqlite", "ALTER TABLE Per_Nuclei RENAME COLUMN Nuclei_Number_Object_Number TO N;")
        XCTAssertEqual(failure(noKey), "\(noKey.path): table Per_Nuclei: missing column 'Nuclei_Number_Object_Number' (or 'ObjectNumber')")

        let noWell = try database("nowell.sqlite", "ALTER TABLE Per_Image RENAME COLUMN Image_Metadata_Well TO W;")
        XCTAssertEqual(failure(noWell), "\(noWell.path): table Per_Image: missing column 'Image_Metadata_Well' (or 'Metadata_Well')")

        let count = try database("count.sqlite", "UPDATE Per_Image SET Image_Count_Cells = 3 WHERE ImageNumber = 2;")
        XCTAssertEqual(failure(count), "\(count.path) table Per_Image ImageNumber 2: Count_Cells is 3 but \(count.path) table Per_Cells has 1 rows for ImageNumber 2")

        let text2 = try database("text.sqlite", "UPDATE Per_Cytoplasm SET Cytoplasm_AreaShape_Area = 'n/a' WHERE ImageNumber = 2;")
        XCTAssertEqual(failure(text2), "\(text2.path) table Per_Cytoplasm ImageNumber 2, Cytoplasm_Number_Object_Number 1: column 'Cytoplasm_AreaShape_Area': expected a number, found text 'n/a'")

        let stray = try database("stray.sqlite", "INSERT INTO Per_Nuclei VALUES (9, 1, 1, 1);")
        XCTAssertEqual(failure(stray), "\(stray.path) table Per_Nuclei ImageNumber 9, Nuclei_Number_Object_Number 1: ImageNumber 9 is not in table Per_Image")

        let gap = try database("gap.sqlite", "INSERT INTO Per_Nuclei VALUES (0, 1, 1, 1);")
        XCTAssertEqual(failure(gap), "\(gap.path) table Per_Nuclei ImageNumber 0, Nuclei_Number_Object_Number 1: ImageNumber 0 is not in table Per_Image")

        let twice = try database("twice.sqlite", "UPDATE Per_Cytoplasm SET Cytoplasm_Parent_Cells = 1 WHERE ImageNumber = 1;")
        XCTAssertTrue(failure(twice).hasSuffix("Parent_Cells 1 of image 1 is listed twice; expected one Cytoplasm object per Cells object"), failure(twice))

        let nullKey = try database("nullkey.sqlite", "INSERT INTO Per_Cells VALUES (NULL, 5, 1, 1, 1, 1);")
        XCTAssertEqual(failure(nullKey), "\(nullKey.path) table Per_Cells ImageNumber NULL, Cells_Number_Object_Number 5: ImageNumber: expected an integer")
    }

    func testCytominerDatabaseLayoutIsRead() throws {
        let url = dir.appendingPathComponent("cytominer.sqlite")
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE Image (TableNumber INTEGER, ImageNumber INTEGER, Metadata_Plate TEXT, Metadata_Well TEXT);
                INSERT INTO Image VALUES (1, 1, 'P1', 'A01');
                CREATE TABLE Cells (TableNumber INTEGER, ImageNumber INTEGER, ObjectNumber INTEGER, Cells_AreaShape_Area FLOAT);
                INSERT INTO Cells VALUES (1, 1, 1, 3.5);
                CREATE TABLE Nuclei (TableNumber INTEGER, ImageNumber INTEGER, ObjectNumber INTEGER, Nuclei_AreaShape_Area FLOAT);
                INSERT INTO Nuclei VALUES (1, 1, 1, NULL);
                """)
        }
        let single = try CellProfilerImport.singleCells(CellProfilerSQLiteSource(url: url))
        XCTAssertEqual(single.header, ["Metadata_Plate", "Metadata_Well", "Metadata_ImageNumber", "Metadata_Cells_TableNumber",
                                       "Metadata_Cells_ObjectNumber", "Metadata_Nuclei_TableNumber", "Metadata_Nuclei_ObjectNumber",
                                       "Cells_AreaShape_Area", "Nuclei_AreaShape_Area"])
        XCTAssertEqual(single.rows, [["P1", "A01", "1", "1", "1", "1", "1", "3.5", "NaN"]])
    }
}
