import XCTest
import Foundation
import Imaging
@testable import Screen

final class CropExtractionTests: XCTestCase {
    /// Two plates, two sites each, channels A and B (24 x 20), with two square "cells" per site.
    func makeScreen() throws -> (dir: URL, manifest: Manifest, masks: MaskIndex) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cropx-\(UUID())")
        var rows: [ManifestRow] = []
        var masks = MaskIndex()
        for (p, plate) in ["P1", "P2"].enumerated() {
            for site in 1...2 {
                let stem = "\(plate)_s\(site)"
                var labels = Image<Int32>(width: 24, height: 20, repeating: 0)
                for y in 4..<8 { for x in 4..<8 { labels[x, y] = 1 } }
                for y in 10..<16 { for x in 14..<20 { labels[x, y] = 2 } }
                for (c, ch) in ["A", "B"].enumerated() {
                    let img = Image<UInt16>(width: 24, height: 20, pixels: (0..<480).map { UInt16($0 + 1000 * (c + 1) + 100 * p + 10 * site) })
                    try TIFFWriter.write(img, to: dir.appendingPathComponent("\(stem)_\(ch).tif"))
                }
                try TIFFWriter.write(labels, to: dir.appendingPathComponent("\(stem)_nuclei.tif"))
                try TIFFWriter.write(labels, to: dir.appendingPathComponent("\(stem)_cells.tif"))
                rows.append(ManifestRow(plate: plate, well: WellPosition(row: 0, column: 1), site: site, batch: "B", compound: "DMSO",
                                        concentration: "0", moa: "", images: ["A": "\(stem)_A.tif", "B": "\(stem)_B.tif"], line: rows.count + 2))
                masks.entries[rows.last!.siteKey] = .init(nuclei: dir.appendingPathComponent("\(stem)_nuclei.tif"),
                                                          cells: dir.appendingPathComponent("\(stem)_cells.tif"))
            }
        }
        return (dir, Manifest(channels: ["A", "B"], rows: rows, baseDirectory: dir), masks)
    }

    func testCropsFromMasksAreCentredStreamedAndIndependentOfThreads() throws {
        let (dir, manifest, masks) = try makeScreen()
        defer { try? FileManager.default.removeItem(at: dir) }
        var x = CropExtraction()
        x.size = 4
        x.shardSize = 3
        x.batchSites = 1
        x.excluded = [SiteKey(plate: "P2", well: WellPosition(row: 0, column: 1), site: 2)]
        x.threads = 1
        let one = try x.run(manifest: manifest, source: .masks(masks), out: dir.appendingPathComponent("one"))
        x.threads = 2
        x.batchSites = 3
        let two = try x.run(manifest: manifest, source: .masks(masks), out: dir.appendingPathComponent("two"))
        XCTAssertEqual(one.cells, 6, "3 sites x 2 cells; the excluded site is left out")
        XCTAssertEqual(one.store.header.shards.count, 2)
        for shard in one.store.header.shards {
            XCTAssertEqual(try Data(contentsOf: one.store.directory.appendingPathComponent(shard)),
                           try Data(contentsOf: two.store.directory.appendingPathComponent(shard)))
        }
        let store = try CropStore.open(dir.appendingPathComponent("one"))
        XCTAssertEqual(store.cells.rows[0][0...5], ["P1", "A01", "1", "1", "5.50", "5.50"])
        XCTAssertEqual(store.cells.rows[1][4...5], ["16.50", "12.50"])
        var values: [Int64] = []
        try store.forEachShard { first, shard in if first == 0 { values = shard.int64s()! } }
        // Cell 1 of P1 s1, centre (6, 6) rounded from 5.5: box x 4..<8, y 4..<8; channel A pixel = index + 1010.
        XCTAssertEqual(values[0], Int64(4 * 24 + 4 + 1010))
        XCTAssertEqual(values[16], Int64(4 * 24 + 4 + 2010), "channel B follows channel A")
    }

    func testLocationsAndNeighbourMaskingAndF16() throws {
        let (dir, manifest, masks) = try makeScreen()
        defer { try? FileManager.default.removeItem(at: dir) }
        var x = CropExtraction()
        x.maskNeighbours = true
        // A neighbour inside the box is zeroed: make cell 1's box big enough to reach cell 2.
        x.size = 24
        let wide = try x.run(manifest: manifest, source: .masks(masks), out: dir.appendingPathComponent("w"))
        try wide.store.forEachShard { _, shard in
            let v = shard.int64s()!
            // Cell 1 centre (6, 6): box origin (-6, -6); cell 2 pixel (15, 12) is at box (21, 18).
            XCTAssertEqual(v[18 * 24 + 21], 0, "neighbour zeroed")
            XCTAssertNotEqual(v[12 * 24 + 12], 0, "own pixels kept")
        }
        // Given locations (file order) and half floats.
        let csv = "Metadata_Plate,Metadata_Well,Metadata_Site,Location_X,Location_Y\nP1,A01,1,10,3\nP1,A01,1,2,2\n"
        let locURL = dir.appendingPathComponent("loc.csv")
        try csv.write(to: locURL, atomically: true, encoding: .utf8)
        var y = CropExtraction()
        y.size = 2
        y.dtype = .f16
        let loc = try y.run(manifest: manifest, source: .locations(try CellLocations.load(locURL)), out: dir.appendingPathComponent("l"))
        XCTAssertEqual(loc.cells, 2)
        XCTAssertEqual(loc.store.cells.rows.map { $0[4] }, ["10.00", "2.00"])
        try loc.store.forEachShard { _, shard in
            XCTAssertEqual(shard.dtype, .float16)
            // Cell 1 centre (10, 3): box origin (9, 2); first pixel index 2 * 24 + 9, value + 1010.
            XCTAssertEqual(shard.floats()[0], Float(2 * 24 + 9 + 1010) / 65535, accuracy: 1e-4)
        }
        x.maskNeighbours = true
        XCTAssertThrowsError(try x.run(manifest: manifest, source: .locations(try CellLocations.load(locURL)), out: dir.appendingPathComponent("z")))
    }

    func testLocationsFileErrorsNameTheRow() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loc-\(UUID()).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try "Metadata_Plate,Metadata_Well,Metadata_Site,Location_X,Location_Y\nP,A01,1,3,4\nP,A01,1,nan,4\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CellLocations.load(url)) { error in
            XCTAssertTrue("\(error)".contains(":3: Location_X"), "\(error)")
        }
    }

    func testDeepProfilerAndCellProfilerLocationColumns() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loc-\(UUID()).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try "Metadata_Plate,Metadata_Well,Metadata_Site,Nuclei_Location_Center_X,Nuclei_Location_Center_Y\nP,A01,1,3.5,4\nP,A01,1,7,8\n"
            .write(to: url, atomically: true, encoding: .utf8)
        let key = SiteKey(plate: "P", well: WellPosition("A01")!, site: 1)
        XCTAssertEqual(try CellLocations.load(url).sites[key], [.init(x: 3.5, y: 4), .init(x: 7, y: 8)])
        try "Metadata_Plate,Metadata_Well,Metadata_Site,ObjectNumber,Location_Center_X,Location_Center_Y\nP,A01,1,1,2,x\n"
            .write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CellLocations.load(url)) { XCTAssertTrue("\($0)".hasSuffix(":2: Location_Center_Y: 'x' is not a finite number"), "\($0)") }
        try "Metadata_Plate,Metadata_Well,Metadata_Site,X,Y\nP,A01,1,1,2\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CellLocations.load(url)) { XCTAssertTrue("\($0)".contains(":1: no cell centre columns; expected Location_X, Location_Y or Nuclei_Location_Center_X"), "\($0)") }
    }
}
