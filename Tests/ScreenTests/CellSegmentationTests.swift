import Foundation
import Imaging
import XCTest
@testable import Screen

/// Segmentation of drawn synthetic sites against their ground truth: nuclei matched at IoU 0.5,
/// and the cell foreground (union of cell masks) overlapping the true one, so cells stop at the
/// cytoplasm boundary instead of tiling the whole site.
final class CellSegmentationTests: XCTestCase {
    func testNucleiAndCellForegroundMatchGroundTruth() throws {
        var layout = ScreenLayout.standard(plates: 1, sitesPerWell: 1, seed: 3)
        layout.wells = Array(layout.wells.filter { $0.treatment.moa == "DMSO" }.prefix(1))
            + Array(layout.wells.filter { $0.treatment.moa != "DMSO" && $0.treatment.concentration == 3 }.prefix(2))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellseg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SyntheticScreen(layout: layout, width: 256, height: 256, defectRate: 0, seed: 3).write(to: dir)
        let manifest = try Manifest.load(dir.appendingPathComponent("manifest.csv"))
        let truth = try MaskIndex.load(dir.appendingPathComponent("ground_truth/masks.csv"))
        let summary = try ScreenSegmentation().run(manifest: manifest, out: dir.appendingPathComponent("seg"))
        var score: SegmentationScore?
        for row in manifest.rows {
            let predicted = summary.masks.entries[row.siteKey]!, expected = truth.entries[row.siteKey]!
            let s = SegmentationScore(predicted: try TIFFReader.readLabels(predicted.nuclei),
                                      truth: try TIFFReader.readLabels(expected.nuclei), threshold: 0.5)
            score = score.map { $0 + s } ?? s
            let p = try TIFFReader.readLabels(predicted.cells).pixels, t = try TIFFReader.readLabels(expected.cells).pixels
            let inter = zip(p, t).filter { $0 != 0 && $1 != 0 }.count, union = zip(p, t).filter { $0 != 0 || $1 != 0 }.count
            let iou = Double(inter) / Double(max(union, 1))
            XCTAssertGreaterThan(iou, 0.8, "cell foreground IoU at \(row.well)")
            XCTAssertLessThan(Double(p.filter { $0 != 0 }.count) / Double(p.count), 0.6, "cells must not cover the whole site at \(row.well)")
        }
        XCTAssertGreaterThan(score!.f1, 0.8, "nuclei F1 at IoU 0.5")
    }
}
