import XCTest
import Foundation
import Imaging
@testable import Screen
import Imaging

final class ManifestTests: XCTestCase {
    private func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID())")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// A real (tiny) TIFF, since `validate` opens every image's header.
    private func writeTIFF(_ url: URL) throws {
        try TIFFWriter.write(Image<UInt16>(width: 2, height: 2, repeating: 7), to: url)
    }

    private let header = "Metadata_Plate,Metadata_Well,Metadata_Site,Metadata_Batch,Metadata_Compound,Metadata_Concentration,Metadata_MoA,Image_DNA,Image_Actin\n"

    func testLoadAndRoundTrip() throws {
        let dir = try tempDir()
        for f in ["a.tif", "b.tif"] { try writeTIFF(dir.appendingPathComponent(f)) }
        let url = dir.appendingPathComponent("manifest.csv")
        try (header + "P1,B3,1,W1,taxol,0.3,Microtubule stabilizers,a.tif,b.tif\n").write(to: url, atomically: true, encoding: .utf8)
        let m = try Manifest.load(url)
        XCTAssertEqual(m.channels, ["DNA", "Actin"])
        XCTAssertEqual(m.rows.first?.well.description, "B03")
        XCTAssertEqual(m.rows.first?.treatment, Treatment(compound: "taxol", concentration: 0.3))
        XCTAssertEqual(m.validate(plateWells: 96), [])
        XCTAssertEqual(try CSVTable(parsing: m.table().encoded()).rows.first?[1], "B03")
    }

    func testStructuralErrorsNameTheLine() throws {
        func loadError(_ body: String) -> String {
            do { _ = try Manifest(table: CSVTable(parsing: header + body, source: "m.csv"), baseDirectory: URL(fileURLWithPath: "/")); return "" }
            catch { return "\(error)" }
        }
        XCTAssertEqual(loadError("P1,B3,1,W1,x,0.3,,a,b\nP1,Z99x,1,W1,x,1,,a,b\n"),
                       "m.csv:3: Metadata_Well: 'Z99x' is not a well name like B03")
        XCTAssertEqual(loadError("P1,B3,one,W1,x,0.3,,a,b\n"),
                       "m.csv:2: Metadata_Site: 'one' is not a non-negative integer")
        XCTAssertEqual(loadError("P1,B3,1,W1,x,lots,,a,b\n"),
                       "m.csv:2: Metadata_Concentration: 'lots' is not a non-negative decimal number")
        // Issue 21: Double() reads hexadecimal, so `0x10` was taken as 16.
        for hostile in ["0x10", "0x1p4", "inf", "nan", "-1", "1_000"] {
            XCTAssertEqual(loadError("P1,B3,1,W1,x,\(hostile),,a,b\n"),
                           "m.csv:2: Metadata_Concentration: '\(hostile)' is not a non-negative decimal number")
        }
        XCTAssertEqual(loadError("P1,B3,1,W1,x,1.5e-3,,a,b\n"), "")
        XCTAssertTrue(loadError("P1,B3,1\n").hasPrefix("m.csv:2: expected 9 fields"))
        XCTAssertThrowsError(try Manifest(table: CSVTable(parsing: "Metadata_Plate\nP\n"), baseDirectory: URL(fileURLWithPath: "/")))
    }

    func testValidationFindsEveryProblemWithRows() throws {
        let dir = try tempDir()
        try writeTIFF(dir.appendingPathComponent("a.tif"))
        let body = """
        P1,B3,1,W1,x,1,,a.tif,a.tif
        P1,B3,1,W1,x,1,,a.tif,a.tif
        P1,I13,1,W1,y,1,,a.tif,a.tif
        P1,C1,1,W2,y,1,,a.tif,
        P1,B3,2,W1,z,1,,a.tif,missing.tif

        """
        let m = try Manifest(table: CSVTable(parsing: header + body, source: "m.csv"), baseDirectory: dir)
        let issues = m.validate(plateWells: 96).map(\.description)
        XCTAssertEqual(issues, [
            "line 3: Metadata_Site: duplicate site P1/B03/s1, first on line 2",
            "line 4: Metadata_Well: unknown well I13 for a 96-well plate",
            "line 5: Metadata_Batch: plate P1 is in batch 'W1' on line 2, here 'W2'",
            "line 5: Image_Actin: no image for channel(s) Actin; every site needs all 2 channels",
            "line 6: Metadata_Compound: well P1/B03 was x@1 on line 2, here z@1",
            "line 6: Image_Actin: file not found: \(dir.appendingPathComponent("missing.tif").path)",
        ])
    }

    /// Issue 21: a site listed twice was silently dropped by `segment`; a directory passed
    /// as an image; a plate format of -96 was accepted.
    func testHostileManifestsAreRefused() throws {
        let dir = try tempDir()
        try TIFFWriter.write(Image<UInt16>(width: 4, height: 4, repeating: 1), to: dir.appendingPathComponent("a.tif"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.tif"), withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("manifest.csv")
        try (header + "P1,B3,1,W1,x,1,,a.tif,a.tif\nP1,B4,1,W1,x,1,,a.tif,a.tif\nP1,B03,1,W1,x,1,,a.tif,a.tif\n")
            .write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Manifest.load(url)) {
            XCTAssertEqual("\($0)", "\(url.path):4: Metadata_Site: duplicate site P1/B03/s1, first on line 2; expected one row per site")
        }
        try (header + "P1,B3,1,W1,x,1,,a.tif,folder.tif\n").write(to: url, atomically: true, encoding: .utf8)
        let m = try Manifest.load(url)
        XCTAssertEqual(m.validate(plateWells: 96).map(\.description),
                       ["line 2: Image_Actin: \(dir.appendingPathComponent("folder.tif").path): a directory, expected a TIFF file or an OME-Zarr image (a folder with .zattrs or zarr.json)"])
        XCTAssertEqual(m.validate(plateWells: -96, checkFiles: false).map(\.description),
                       ["line 0: plate_wells: -96 is not a plate format; expected 6, 24, 96, 384 or 1536"])
    }

    /// Issue 21: `manifest check` opened each TIFF's directory only, so a forged header (here
    /// a real file whose ImageWidth says 60,000) passed and failed in the run; every size in
    /// the header is now checked as a read checks it, without decoding pixels.
    func testForgedTIFFHeaderFailsTheCheck() throws {
        let dir = try tempDir()
        let forged = dir.appendingPathComponent("forged.tif")
        try TIFFWriter.write(Image<UInt16>(width: 4, height: 4, repeating: 1), to: forged)
        var bytes = [UInt8](try Data(contentsOf: forged))
        XCTAssertEqual(Array(bytes[0..<4]), [0x49, 0x49, 42, 0], "little-endian classic TIFF")
        // The ImageWidth entry: tag 256, type SHORT or LONG, count 1, value 4.
        let entry = try XCTUnwrap((0..<(bytes.count - 12)).first { i in
            bytes[i] == 0 && bytes[i + 1] == 1 && (bytes[i + 2] == 3 || bytes[i + 2] == 4) && bytes[i + 3] == 0
                && bytes[(i + 4)..<(i + 8)] == [1, 0, 0, 0] && bytes[i + 8] == 4
        })
        bytes.replaceSubrange((entry + 2)..<(entry + 12), with: [4, 0, 1, 0, 0, 0, 0x60, 0xEA, 0, 0])   // LONG 60,000
        try Data(bytes).write(to: forged)
        try writeTIFF(dir.appendingPathComponent("a.tif"))
        let url = dir.appendingPathComponent("manifest.csv")
        try (header + "P1,B3,1,W1,x,1,,a.tif,forged.tif\n").write(to: url, atomically: true, encoding: .utf8)
        let issues = try Manifest.load(url).validate(plateWells: 96).map(\.description)
        XCTAssertEqual(issues.count, 1, "\(issues)")
        XCTAssertTrue(issues.first?.hasPrefix("line 2: Image_Actin: \(forged.path): header says 60000x4 uncompressed 16-bit samples") ?? false, "\(issues)")
    }

    /// Issue 21: a channel image smaller than the DNA image crashed `render` and `qc`.
    func testSiteImagesOfDifferentSizesNameBothFiles() throws {
        let dir = try tempDir()
        try TIFFWriter.write(Image<UInt16>(width: 20, height: 10, repeating: 1), to: dir.appendingPathComponent("dna.tif"))
        try TIFFWriter.write(Image<UInt16>(width: 5, height: 10, repeating: 1), to: dir.appendingPathComponent("actin.tif"))
        let url = dir.appendingPathComponent("manifest.csv")
        try (header + "P1,B3,1,W1,x,1,,dna.tif,actin.tif\n").write(to: url, atomically: true, encoding: .utf8)
        let m = try Manifest.load(url)
        // manifest check finds it from the headers, with the same message as the run.
        XCTAssertEqual(m.validate(plateWells: 96).map(\.description),
                       ["line 2: Image_Actin: \(dir.appendingPathComponent("actin.tif").path): 5x10 pixels, expected 20x10 like dna.tif (DNA) of the same site"])
        XCTAssertThrowsError(try m.siteImages(m.rows[0])) {
            XCTAssertEqual("\($0)", "\(dir.appendingPathComponent("actin.tif").path): 5x10 pixels, expected 20x10 like dna.tif (DNA) of the same site")
        }
        XCTAssertThrowsError(try QualityControl().run(manifest: m))
        // segment reads its planes itself (as floats): the same error, not a trap in propagation.
        XCTAssertThrowsError(try ScreenSegmentation().run(manifest: m, out: dir.appendingPathComponent("seg"))) {
            XCTAssertEqual("\($0)", "\(dir.appendingPathComponent("actin.tif").path): 5x10 pixels, expected 20x10 like dna.tif (DNA) of the same site")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("seg/masks.csv").path))
        try TIFFWriter.write(Image<UInt16>(width: 20, height: 10, repeating: 1), to: dir.appendingPathComponent("actin.tif"))
        XCTAssertEqual(try m.siteImages(m.rows[0]).count, 2)
    }
}
