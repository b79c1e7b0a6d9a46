import Foundation
import XCTest
@testable import Screen

final class BBBC021LayoutTests: XCTestCase {
    /// The real tables, as shipped with the program (Sources/Screen/Resources/bbbc021).
    private func tables() throws -> (URL, URL) {
        let t = try BBBC021Tables.shipped()
        return (t.imageTable, t.moaTable)
    }

    func testFullLayoutHasTheRealMoASubset() throws {
        let (image, moa) = try tables()
        let layout = try ScreenLayout.bbbc021(imageTable: image, moaTable: moa, seed: 1)
        // Known answers from the published tables (checked with pandas).
        XCTAssertEqual(layout.plates.count, 55)
        XCTAssertEqual(layout.siteCount, 3848)
        XCTAssertEqual(layout.wells.count, 962)
        XCTAssertEqual(layout.treatments.count, 104)
        XCTAssertEqual(Set(layout.treatments.map(\.moa)).subtracting(["DMSO"]).count, 12)
        XCTAssertEqual(Set(layout.plates.map(\.batch)).count, 10)
        XCTAssertEqual(layout.plates.first, ScreenLayout.Plate(name: "Week1_22123", batch: "Week1"))
        for plate in layout.plates {
            XCTAssertTrue(layout.wells.contains { $0.plate == plate.name && $0.treatment.compound == "DMSO" },
                          "\(plate.name) has DMSO wells")
        }
    }

    func testScaledDownLayoutMatchesTheRealTable() throws {
        let (image, moa) = try tables()
        let layout = try ScreenLayout.bbbc021(imageTable: image, moaTable: moa, plates: 3, sites: 2, seed: 1)
        XCTAssertEqual(layout.plates.count, 3)
        // Independent reading of the tables: (plate, well) -> (compound, concentration, moa).
        let moaTable = try CSVTable(contentsOf: moa)
        var moaOf: [String: String] = [:]
        for r in moaTable.rows { moaOf[r[0] + "|" + String(Double(r[1])!)] = r[2] }
        let img = try CSVTable(contentsOf: image)
        let p = img.column("Image_Metadata_Plate_DAPI")!, w = img.column("Image_Metadata_Well_DAPI")!
        let c = img.column("Image_Metadata_Compound")!, k = img.column("Image_Metadata_Concentration")!
        let chosen = Set(layout.plates.map(\.name))
        var expected: [String: String] = [:]
        for r in img.rows where chosen.contains(r[p]) {
            guard let m = moaOf[r[c] + "|" + String(Double(r[k])!)] else { continue }
            expected[r[p] + "|" + r[w]] = r[c] + "|" + String(Double(r[k])!) + "|" + m
        }
        var got: [String: String] = [:]
        for well in layout.wells {
            XCTAssertEqual(well.sites, [1, 2])
            XCTAssertEqual(well.batch, String(well.plate.prefix { $0 != "_" }))
            let t = well.treatment
            got[well.plate + "|" + well.position.description] = t.compound + "|" + String(t.concentration) + "|" + t.moa
        }
        XCTAssertEqual(got, expected)
        // The greedy choice covers several MoAs, some with two compounds, and DMSO on every plate.
        let moas = Set(layout.treatments.map(\.moa))
        XCTAssertGreaterThanOrEqual(moas.count, 8)
        let perMoA = Dictionary(grouping: layout.treatments, by: \.moa).mapValues { Set($0.map(\.compound)).count }
        XCTAssertGreaterThanOrEqual(perMoA.values.filter { $0 >= 2 }.count, 2)
        for plate in layout.plates {
            XCTAssertTrue(layout.wells.contains { $0.plate == plate.name && $0.treatment.moa == "DMSO" })
        }
    }

    func testBadTablesGiveLineNumberedErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bbbc-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let moa = dir.appendingPathComponent("moa.csv"), image = dir.appendingPathComponent("image.csv")
        let header = "Image_FileName_DAPI,Image_PathName_DAPI,Image_FileName_Tubulin,Image_PathName_Tubulin,"
            + "Image_FileName_Actin,Image_PathName_Actin,Image_Metadata_Plate_DAPI,Image_Metadata_Well_DAPI,"
            + "Image_Metadata_Compound,Image_Metadata_Concentration"
        try (header + "\nA01_s1_w1.tif,W1,A01_s1_w2.tif,W1,A01_s1_w4.tif,W1,Week1_1,A01,DMSO,0").write(to: image, atomically: true, encoding: .utf8)
        try "compound,concentration\nDMSO,0\n".write(to: moa, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ScreenLayout.bbbc021(imageTable: image, moaTable: moa, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("missing column 'moa'"), "\(e)")
        }
        try "compound,concentration,moa\nDMSO,0,DMSO\ntaxol,abc,Microtubule stabilizers\n".write(to: moa, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ScreenLayout.bbbc021(imageTable: image, moaTable: moa, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("moa.csv:3:"), "\(e)")
        }
        try "compound,concentration,moa\ntaxol,1,Microtubule stabilizers\n".write(to: moa, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ScreenLayout.bbbc021(imageTable: image, moaTable: moa, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("no site has a (compound, concentration) listed"), "\(e)")
        }
        try "compound,concentration,moa\nDMSO,0,DMSO\n".write(to: moa, atomically: true, encoding: .utf8)
        try (header + "\nA01_s1_w1.tif,W1,A01_s1_w2.tif,W1,A01_s1_w4.tif,W1,Week1_1,A01,DMSO,0\n"
            + "A01_s2_w1.tif,W1,A01_s2_w2.tif,W1,A01_s2_w4.tif,W1,Week1_1,A01,DMSO,0.5\n").write(to: image, atomically: true, encoding: .utf8)
        try "compound,concentration,moa\nDMSO,0,DMSO\nDMSO,0.5,DMSO\n".write(to: moa, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ScreenLayout.bbbc021(imageTable: image, moaTable: moa, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("image.csv:3: well Week1_1/A01 holds DMSO@0 on line 2, here DMSO@0.5"), "\(e)")
        }
        try FileManager.default.removeItem(at: image)
        XCTAssertThrowsError(try ScreenLayout.bbbc021(imageTable: image, moaTable: moa, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("image.csv: cannot read file"), "\(e)")
        }
    }
}
