import XCTest
import Foundation
import Imaging
@testable import Screen

/// Importers on the real sample images cut into Fixtures/real (see its README for sources and
/// licences): the JUMP field in Opera Phenix naming, CellProfiler's ExampleHuman through a
/// LoadData CSV, and the same ExampleHuman crops as a tifffile-written OME-TIFF.
final class RealInputImportTests: XCTestCase {
    let real = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/real")
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("real-inputs-\(UUID())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    func testOperaPhenixFolderOfTheJUMPField() throws {
        let jump = real.appendingPathComponent("jump_r01c02f01")
        let renamed = try FolderImport.channelList("ch1=ER,ch2=RNA,ch3=AGP,ch4=DNA,ch5=Mito")
        let m = try FolderImport(naming: .operaPhenix, channels: renamed)
            .manifest(directory: jump, manifestDirectory: tmp)
        XCTAssertEqual(m.channels, ["ER", "RNA", "AGP", "DNA", "Mito"])
        XCTAssertEqual(m.rows.count, 1)
        let row = try XCTUnwrap(m.rows.first)
        XCTAssertEqual(row.siteKey, SiteKey(plate: "jump_r01c02f01", well: WellPosition(row: 0, column: 2), site: 1))
        XCTAssertEqual(row.well.description, "A02")
        XCTAssertEqual(m.validate(plateWells: 384), [])
        // Through a written manifest, the DNA column reads channel 4's file.
        try m.write(to: tmp.appendingPathComponent("manifest.csv"))
        let loaded = try Manifest.load(tmp.appendingPathComponent("manifest.csv"))
        let dna = try TIFFReader.readUInt16(XCTUnwrap(loaded.imageURL(loaded.rows[0], channel: "DNA")))
        XCTAssertEqual(dna, try TIFFReader.readUInt16(jump.appendingPathComponent("r01c02f01p01-ch4sk1fk1fl1.tiff")))
        XCTAssertEqual(dna.width, 256)

        let all = try FolderImport(naming: .operaPhenix).manifest(directory: jump, manifestDirectory: tmp)
        XCTAssertEqual(all.channels, ["ch1", "ch2", "ch3", "ch4", "ch5", "ch6"])
    }

    func testImageXpressNamesAndPlateMapJoin() throws {
        let plate = tmp.appendingPathComponent("Week1_22123")
        try FileManager.default.createDirectory(at: plate, withIntermediateDirectories: true)
        let uuid = "BEDC2073-A983-4B98-95E9-84466707A25D"
        for name in ["B03_s2_w1\(uuid).tif", "B03_s2_w2\(uuid).tif", "B03_s1_w1\(uuid).tif", "B03_s1_w2\(uuid).tif",
                     "C10_s1_w1.tif", "C10_s1_w2.tif", "B03_s1_w1_thumb\(uuid).tif"] {
            try TIFFWriter.write(Image<UInt16>(width: 4, height: 4, repeating: 1), to: plate.appendingPathComponent(name))
        }
        let map = tmp.appendingPathComponent("platemap.txt")
        try "plate_map_name\twell_position\tbroad_sample\tmmoles_per_liter\nP\tB03\ttaxol\t0.3\nP\tC10\tDMSO\t\n"
            .write(to: map, atomically: true, encoding: .utf8)
        let m = try FolderImport(naming: try VendorNaming.named("imagexpress"), plateMap: try PlateMap(contentsOf: map))
            .manifest(directory: plate, manifestDirectory: tmp)
        XCTAssertEqual(m.channels, ["w1", "w2"])
        XCTAssertEqual(m.rows.map(\.siteKey.description), ["Week1_22123/B03/s1", "Week1_22123/B03/s2", "Week1_22123/C10/s1"])
        XCTAssertEqual(m.rows.map(\.compound), ["taxol", "taxol", "DMSO"])
        XCTAssertEqual(m.rows.map(\.concentrationText), ["0.3", "0.3", "0"])
        XCTAssertEqual(m.rows[0].images["w2"], "Week1_22123/B03_s1_w2\(uuid).tif")
        XCTAssertEqual(m.validate(), [])

        let short = try PlateMap(table: CSVTable(parsing: "well_position,broad_sample\nB03,taxol\n", source: "map.csv"))
        XCTAssertThrowsError(try FolderImport(naming: .imageXpress, plateMap: short).manifest(directory: plate, manifestDirectory: tmp)) {
            XCTAssertEqual("\($0)", "map.csv: no row for well C10 (images in \(plate.standardizedFileURL.path))")
        }
    }

    func testFolderImportRefusesAmbiguityAndStrangers() throws {
        let dir = tmp.appendingPathComponent("planes")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for p in ["p01", "p02"] {
            try TIFFWriter.write(Image<UInt16>(width: 4, height: 4, repeating: 1), to: dir.appendingPathComponent("r02c03f01\(p)-ch1sk1fk1fl1.tiff"))
        }
        XCTAssertThrowsError(try FolderImport(naming: .operaPhenix).manifest(directory: dir, manifestDirectory: tmp)) {
            XCTAssertTrue("\($0)".contains("r02c03f01p01-ch1sk1fk1fl1.tiff and r02c03f01p02-ch1sk1fk1fl1.tiff are both channel ch1 of planes/B03/site 1"), "\($0)")
        }
        XCTAssertThrowsError(try FolderImport(naming: .imageXpress).manifest(directory: dir, manifestDirectory: tmp)) {
            XCTAssertTrue("\($0)".hasSuffix("no file follows the imagexpress naming (e.g. A01_s1_w1BEDC2073-A983-4B98-95E9-84466707A25D.tif)"), "\($0)")
        }
        XCTAssertThrowsError(try FolderImport(naming: .operaPhenix, channels: [("ch9", "DNA")]).manifest(directory: real.appendingPathComponent("jump_r01c02f01"), manifestDirectory: tmp)) {
            XCTAssertTrue("\($0)".hasPrefix("--channels: no file in"), "\($0)")
        }
        XCTAssertThrowsError(try FolderImport.channelList("ch1=E R"))
        XCTAssertThrowsError(try VendorNaming.named("nothing-(?<x>)"))
        let custom = try VendorNaming.named(#"^(?<plate>P\d+)_(?<well>[A-P]\d\d)_f(?<site>\d+)_(?<channel>\w+)\.tif$"#)
        XCTAssertEqual(custom.parse("P7_H12_f3_DAPI.tif"), VendorImageName(plate: "P7", well: WellPosition("H12")!, site: 3, channel: "DAPI"))
        XCTAssertNil(custom.parse("P7_H12_f3_DAPI.png"))
    }

    func testLoadDataCSVIsAManifest() throws {
        let human = real.appendingPathComponent("cp_examplehuman")
        let m = try Manifest.load(human.appendingPathComponent("load_data.csv"))
        XCTAssertEqual(m.channels, ["OrigDNA", "OrigPH3", "OrigCells"])
        XCTAssertEqual(m.rows.map(\.siteKey.description), ["AS_09125_050116030001/D03/s0"])
        XCTAssertEqual(m.rows[0].compound, "")
        XCTAssertEqual(m.validate(plateWells: 96), [])
        let dna = try TIFFReader.readUInt16(XCTUnwrap(m.imageURL(m.rows[0], channel: "OrigDNA")))
        XCTAssertEqual(dna.width, 256)
        XCTAssertEqual(dna, try TIFFReader.readUInt16(human.appendingPathComponent("AS_09125_050116030001_D03f00d0.tif")))

        // Converted elsewhere with a plate map: paths are rewritten relative to the new manifest.
        let map = tmp.appendingPathComponent("platemap.csv")
        try "Metadata_Well,Metadata_Compound,Metadata_Concentration,Metadata_MoA\nD03,example,1.5,unknown\n".write(to: map, atomically: true, encoding: .utf8)
        let out = tmp.appendingPathComponent("sub")
        let converted = try LoadDataImport.manifest(table: CSVTable(contentsOf: human.appendingPathComponent("load_data.csv")),
                                                    csvDirectory: human, manifestDirectory: out, plateMap: PlateMap(contentsOf: map))
        XCTAssertEqual(converted.rows[0].treatment, Treatment(compound: "example", concentration: 1.5, moa: "unknown"))
        XCTAssertEqual(converted.validate(), [])
        XCTAssertEqual(try TIFFReader.readUInt16(XCTUnwrap(converted.imageURL(converted.rows[0], channel: "OrigDNA"))), dna)
    }

    func testLoadDataErrorsNameLineAndColumn() throws {
        func error(_ text: String) -> String {
            do { _ = try LoadDataImport.manifest(table: CSVTable(parsing: text, source: "ld.csv"), csvDirectory: tmp, manifestDirectory: tmp); return "" }
            catch { return "\(error)" }
        }
        XCTAssertEqual(error("Metadata_Well,FileName_DNA\nA01,a.tif\n"), "ld.csv:1: missing column 'Metadata_Plate'")
        XCTAssertEqual(error("Metadata_Plate,Metadata_Well,FileName_DNA\nP,Q,a.tif\n"), "ld.csv:2: Metadata_Well: 'Q' is not a well name like B03")
        XCTAssertEqual(error("Metadata_Plate,Metadata_Well,FileName_DNA,PathName_DNA\nP,A01,a.tif,s3://bucket/x\n"),
                       "ld.csv:2: PathName_DNA: 's3://bucket/x' is a URL; download the images and give their folder")
        XCTAssertEqual(error("Metadata_Plate,Metadata_Well,FileName_DNA,Frame_DNA\nP,A01,a.tif,-1\n"),
                       "ld.csv:2: Frame_DNA: '-1' is not a page number (0-based)")
    }

    func testTifffileOMETIFFPagesEqualTheSinglePageImages() throws {
        let human = real.appendingPathComponent("cp_examplehuman")
        let ome = human.appendingPathComponent("examplehuman.ome.tif")
        XCTAssertEqual(try TIFFReader.pageCount(ome), 3)
        for (d, name) in ["OrigDNA", "OrigPH3", "OrigCells"].enumerated() {
            let single = try TIFFReader.readUInt16(human.appendingPathComponent("AS_09125_050116030001_D03f00d\(d).tif"))
            XCTAssertEqual(try TIFFReader.readUInt16(TIFFPage.url(ome, selector: name)), single, name)
            XCTAssertEqual(try TIFFReader.readUInt16(TIFFPage.url(ome, selector: "\(d)")), single, "page \(d)")
        }
        XCTAssertThrowsError(try TIFFReader.readUInt16(ome)) { XCTAssertTrue("\($0)".contains("3 pages (OME channels: OrigDNA, OrigPH3, OrigCells)"), "\($0)") }
        // A LoadData Frame_ column selects the page.
        let csv = tmp.appendingPathComponent("ld.csv")
        try ("Metadata_Plate,Metadata_Well,FileName_DNA,PathName_DNA,Frame_DNA,FileName_PH3,PathName_PH3,Frame_PH3\n"
             + "P,D03,examplehuman.ome.tif,\(human.path),0,examplehuman.ome.tif,\(human.path),1\n").write(to: csv, atomically: true, encoding: .utf8)
        let m = try Manifest.load(csv)
        XCTAssertEqual(m.validate(), [])
        XCTAssertEqual(try TIFFReader.readUInt16(XCTUnwrap(m.imageURL(m.rows[0], channel: "PH3"))),
                       try TIFFReader.readUInt16(human.appendingPathComponent("AS_09125_050116030001_D03f00d1.tif")))
    }
}
