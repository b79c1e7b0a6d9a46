import XCTest
import Foundation
@testable import Screen

/// Runs the importer on the real BBBC021 tables shipped with the program.
final class BBBC021ImportTests: XCTestCase {
    private func importer() throws -> BBBC021Import {
        let t = try BBBC021Tables.shipped()
        return try BBBC021Import(imageCSV: t.imageTable, moaCSV: t.moaTable)
    }

    func testRealTables() throws {
        let imp = try importer()
        let m = try imp.manifest(imagesDirectory: URL(fileURLWithPath: "/data/bbbc021/images"),
                                 manifestDirectory: URL(fileURLWithPath: "/data/bbbc021"))
        XCTAssertEqual(m.rows.count, 13_200)
        XCTAssertEqual(Set(m.rows.map(\.plate)).count, 55)
        XCTAssertEqual(Set(m.rows.map(\.batch)).count, 10)
        let annotated = m.rows.filter { !$0.moa.isEmpty }
        XCTAssertEqual(annotated.count, 3_848)
        XCTAssertEqual(Set(annotated.map(\.treatment)).count, 104)
        XCTAssertEqual(Set(annotated.map(\.moa)).subtracting(["DMSO"]).count, 12)
        XCTAssertEqual(m.validate(checkFiles: false), [])
        let first = try XCTUnwrap(m.rows.first)
        XCTAssertEqual(first.plate, "Week4_27481")
        XCTAssertEqual(first.batch, "Week4")
        XCTAssertEqual(first.site, 1)
        XCTAssertEqual(first.images["DNA"], "images/Week4/Week4_27481/G10_s1_w1BEDC2073-A983-4B98-95E9-84466707A25D.tif")
        let subset = try imp.manifest(imagesDirectory: URL(fileURLWithPath: "/data/img"),
                                      manifestDirectory: URL(fileURLWithPath: "/data/out"), annotatedOnly: true)
        XCTAssertEqual(subset.rows.count, 3_848)
        XCTAssertEqual(subset.rows.first?.images["Actin"]?.hasPrefix("../img/"), true)
    }

    func testCatalogLoadsRealTables() throws {
        let m = try importer().manifest(imagesDirectory: URL(fileURLWithPath: "/i"), manifestDirectory: URL(fileURLWithPath: "/"))
        let catalog = try Catalog()
        try catalog.load(m)
        let counts = try catalog.counts()
        XCTAssertEqual(counts["site"], 13_200)
        XCTAssertEqual(counts["plate"], 55)
        XCTAssertEqual(counts["batch"], 10)
        XCTAssertEqual(counts["image"], 39_600)
        XCTAssertEqual(counts["well"], 3_300)
    }

    func testSiteNumberFromFileName() {
        XCTAssertEqual(BBBC021Import.siteNumber(fileName: "Week9_090907_G11_s4_w1C4.tif"), 4)
        XCTAssertEqual(BBBC021Import.siteNumber(fileName: "G10_s1_w1BEDC.tif"), 1)
        XCTAssertNil(BBBC021Import.siteNumber(fileName: "G10.tif"))
    }
}
