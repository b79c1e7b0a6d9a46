import XCTest
import Foundation
@testable import Screen

final class CatalogTests: XCTestCase {
    private func manifest(_ body: String) throws -> Manifest {
        let header = "Metadata_Plate,Metadata_Well,Metadata_Site,Metadata_Batch,Metadata_Compound,Metadata_Concentration,Metadata_MoA,Image_DNA\n"
        return try Manifest(table: CSVTable(parsing: header + body, source: "m.csv"), baseDirectory: URL(fileURLWithPath: "/s"))
    }

    func testLoadFlagAndReload() throws {
        let c = try Catalog()
        try c.load(manifest("P1,A01,1,B1,DMSO,0,DMSO,a.tif\nP1,A01,2,B1,DMSO,0,DMSO,b.tif\nP2,A01,1,B2,taxol,1,MT,c.tif\n"))
        XCTAssertEqual(try c.counts()["site"], 3)
        XCTAssertEqual(try c.counts()["treatment"], 2)
        let key = SiteKey(plate: "P1", well: WellPosition("A01")!, site: 2)
        try c.flagSite(key, defect: "blur", exclude: true)
        XCTAssertEqual(try c.includedSites().count, 2)
        XCTAssertThrowsError(try c.flagSite(SiteKey(plate: "P9", well: key.well, site: 1), defect: "x", exclude: true))
        // Loading the same manifest again is idempotent.
        try c.load(manifest("P1,A01,1,B1,DMSO,0,DMSO,a.tif\n"))
        XCTAssertEqual(try c.counts()["site"], 3)
    }

    func testInvalidManifestChangesNothing() throws {
        let c = try Catalog()
        XCTAssertThrowsError(try c.load(manifest("P1,A01,1,B1,DMSO,0,,a.tif\nP1,A01,1,B1,DMSO,0,,a.tif\n"))) { e in
            XCTAssertTrue("\(e)".contains("m.csv:3: Metadata_Site: duplicate site"), "\(e)")
        }
        XCTAssertEqual(try c.counts()["site"], 0)
    }
}
