import Core
import XCTest
import Foundation
import Imaging
@testable import Screen

final class IlluminationAndNormalizationTests: XCTestCase {
    /// Sites of one plate imaged through a synthetic plate's optics (`PlateOptics`): the
    /// estimated function must correlate with the true field, and correcting must flatten.
    func testScreenIlluminationRecoversTheSyntheticField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("illum-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = 80, h = 64
        let optics = PlateOptics(plate: "P", batch: "B", width: w, height: h, seed: 3)
        var rng = SeededRandom(seed: 11)
        var rows: [ManifestRow] = []
        for site in 1...40 {
            var images: [String: String] = [:]
            for (c, ch) in ["DNA", "Tubulin"].enumerated() {
                // Background plus a few bright blobs, through the field, gain and offset.
                var signal = [Float](repeating: 0.05, count: w * h)
                for _ in 0..<4 {
                    let cx = rng.uniform(0, Float(w)), cy = rng.uniform(0, Float(h))
                    for y in 0..<h { for x in 0..<w where (Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy) < 9 { signal[y * w + x] += 0.5 } }
                }
                let px = (0..<(w * h)).map { UInt16(min(65535, optics.offsets[c] + optics.gains[c] * optics.fields[c][$0] * signal[$0] + 5 * rng.normal())) }
                try TIFFWriter.write(Image(width: w, height: h, pixels: px), to: dir.appendingPathComponent("s\(site)_\(ch).tif"))
                images[ch] = "s\(site)_\(ch).tif"
            }
            rows.append(ManifestRow(plate: "P", well: WellPosition(row: (site - 1) / 12, column: (site - 1) % 12 + 1), site: 1, batch: "B", compound: "DMSO",
                                    concentration: "0", moa: "", images: images, line: site + 1))
        }
        let manifest = Manifest(channels: ["DNA", "Tubulin"], rows: rows, baseDirectory: dir)
        let plates = try ScreenIllumination().estimate(manifest: manifest)
        XCTAssertEqual(plates.count, 1)
        for c in 0..<2 {
            XCTAssertGreaterThan(correlation(plates[0].functions[c].pixels, optics.fields[c]), 0.8)
            XCTAssertLessThan(plates[0].blockCVAfter[c], 0.6 * plates[0].blockCVBefore[c])
        }
        try ScreenIllumination.write(plates, channels: manifest.channels, to: dir.appendingPathComponent("illum"))
        let loaded = try ScreenIllumination.load(dir.appendingPathComponent("illum"))
        XCTAssertEqual(loaded["P"]?["Tubulin"]?.pixels, plates[0].functions[1].pixels, "float32 TIFF round trip is exact")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("illum/P/DNA.png").path))

        // Corrected and plate-normalized copy: 16-bit, full range used, manifest rewritten.
        var pre = ScreenPreprocessing()
        pre.illumination = loaded
        pre.normalization = IntensityNormalization(level: .plate, lowPercentile: 1, highPercentile: 99)
        let out = try pre.run(manifest: manifest, out: dir.appendingPathComponent("pre"))
        XCTAssertEqual(out.rows.count, 40)
        var all: [UInt16] = []
        for r in out.rows { all += try TIFFReader.readUInt16(out.imageURL(r, channel: "DNA")!).pixels }
        let sorted = all.sorted()
        XCTAssertEqual(sorted[sorted.count / 200], 0, "about 1% of the plate at or below the low percentile maps to 0")
        XCTAssertEqual(sorted[sorted.count - sorted.count / 200], 65535)
    }

    func testHistogramPercentilesAndMapping() {
        var h = IntensityNormalization.Histogram()
        h.add((1...100).map { Float($0) })
        XCTAssertEqual(h.percentile(1), 1)
        XCTAssertEqual(h.percentile(50), 50)
        XCTAssertEqual(h.percentile(99), 99)
        XCTAssertEqual(h.percentile(100), 100)
        let n = IntensityNormalization(level: .image, lowPercentile: 10, highPercentile: 90)
        let r = n.range(h)
        XCTAssertEqual(r.low, 10)
        XCTAssertEqual(r.high, 90)
        XCTAssertEqual(IntensityNormalization.apply([5, 10, 50, 90, 200, 30], low: 10, high: 90), [0, 0, 0.5, 1, 1, 0.25])
        XCTAssertEqual(n.group(of: SiteKey(plate: "P", well: WellPosition(row: 1, column: 2), site: 3)), "P/B02/s3")
        XCTAssertNil(IntensityNormalization().group(of: SiteKey(plate: "P", well: WellPosition(row: 1, column: 2), site: 3)))
    }

    func testCellCountRuleFlagsOutliersOnly() {
        let keys = (1...10).map { SiteKey(plate: "P", well: WellPosition(row: 0, column: $0), site: 1) }
        let q = QualityControl()
        var results = q.flag(keys: keys, qualities: keys.map { _ in SiteQuality(focus: 1, saturation: 0, coBright: 0) })
        results[2].defect = "blur"
        var counts = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, 80 + $0 % 5) })
        counts[keys[4]] = 1
        counts[keys[6]] = 900
        counts[keys[2]] = 0
        let flagged = q.flagCellCounts(results, counts: counts)
        XCTAssertEqual(flagged.map(\.defect), ["", "", "blur", "", "too_few_cells", "", "too_many_cells", "", "", ""])
        XCTAssertEqual(flagged[6].cellCount, 900)
        XCTAssertEqual(QualityControl.table(flagged).header.last, "QC_CellCount")
    }

    func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { let x = Double(a[i]) - ma, y = Double(b[i]) - mb; sab += x * y; saa += x * x; sbb += y * y }
        return sab / (saa * sbb).squareRoot()
    }
}
