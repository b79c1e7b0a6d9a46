import Foundation
import Imaging
import XCTest
@testable import Profiling

/// Known answers, invariants and input checking of the per-cell measurements.
final class CellMeasurementsTests: XCTestCase {
    /// A 40x30 image with rectangle cells: label 1 a 10x6 block at (5, 4) with nucleus 4x2
    /// at (8, 6); label 7 a 9x9 block with a 3x3 hole at (22, 10), no nucleus... and label 3
    /// with a nucleus only.
    func sample() -> (cells: Image<Int32>, nuclei: Image<Int32>) {
        var cells = Image<Int32>(width: 40, height: 30, repeating: 0)
        var nuclei = Image<Int32>(width: 40, height: 30, repeating: 0)
        for y in 4..<10 { for x in 5..<15 { cells[x, y] = 1 } }
        for y in 6..<8 { for x in 8..<12 { nuclei[x, y] = 1 } }
        for y in 10..<19 { for x in 22..<31 where !(y >= 13 && y < 16 && x >= 25 && x < 28) { cells[x, y] = 7 } }
        for y in 22..<25 { for x in 2..<5 { nuclei[x, y] = 3 } }
        return (cells, nuclei)
    }

    func constant(_ v: Float) -> Image<Float> { Image(width: 40, height: 30, repeating: v) }

    func testShapeOfRectanglesAndHoles() throws {
        let (cells, nuclei) = sample()
        var options = CellMeasurementOptions()
        options.families = [.shape]
        let t = try CellMeasurements.measure(channels: ["DNA": constant(0.5)], nuclei: nuclei, cells: cells, options: options)
        XCTAssertEqual(t.labels, [1, 3, 7])
        func v(_ name: String, _ row: Int) -> Double { t.column(name)![row] }
        XCTAssertEqual(v("Cells_AreaShape_Area", 0), 60)
        XCTAssertEqual(v("Cells_AreaShape_Extent", 0), 1)
        XCTAssertEqual(v("Cells_AreaShape_Solidity", 0), 1)
        XCTAssertEqual(v("Cells_AreaShape_ConvexArea", 0), 60)
        XCTAssertEqual(v("Cells_AreaShape_BoundingBoxMinimum_X", 0), 5)
        XCTAssertEqual(v("Cells_AreaShape_BoundingBoxMaximum_X", 0), 15)
        XCTAssertEqual(v("Cells_AreaShape_Center_X", 0), 9.5)
        XCTAssertEqual(v("Cells_AreaShape_Center_Y", 0), 6.5)
        XCTAssertEqual(v("Cells_AreaShape_EulerNumber", 0), 1)
        // Second moments of a w x h block: variance (w^2 - 1) / 12 along each axis.
        XCTAssertEqual(v("Cells_AreaShape_MajorAxisLength", 0), 4 * (99.0 / 12).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(v("Cells_AreaShape_MinorAxisLength", 0), 4 * (35.0 / 12).squareRoot(), accuracy: 1e-12)
        // The hole: Euler number 0, filled area counts it, solidity below 1.
        XCTAssertEqual(v("Cells_AreaShape_Area", 2), 72)
        XCTAssertEqual(v("Cells_AreaShape_EulerNumber", 2), 0)
        XCTAssertEqual(v("Cells_AreaShape_FilledArea", 2), 81)
        XCTAssertEqual(v("Cells_AreaShape_Solidity", 2), 72.0 / 81, accuracy: 1e-12)
        // Cytoplasm of cell 1 is the block minus the nucleus.
        XCTAssertEqual(v("Cytoplasm_AreaShape_Area", 0), 52)
        XCTAssertEqual(v("Cytoplasm_AreaShape_EulerNumber", 0), 0)
        // Label 3 has a nucleus and no cell: its cell and cytoplasm columns are NaN.
        XCTAssertEqual(v("Nuclei_AreaShape_Area", 1), 9)
        XCTAssertTrue(v("Cells_AreaShape_Area", 1).isNaN)
        XCTAssertTrue(v("Nuclei_AreaShape_Area", 2).isNaN)
        XCTAssertEqual(t.centroids[0], SIMD2(9.5, 6.5))
    }

    func testIntensityTextureAndCorrelationKnownAnswers() throws {
        let (cells, nuclei) = sample()
        var ramp = constant(0)
        for y in 0..<30 { for x in 0..<40 { ramp[x, y] = Float(x) / 64 } }
        var options = CellMeasurementOptions()
        options.families = [.intensity, .texture, .correlation]
        options.channelOrder = ["A", "B"]
        let t = try CellMeasurements.measure(channels: ["A": constant(0.25), "B": ramp], nuclei: nuclei, cells: cells, options: options)
        func v(_ name: String, _ row: Int = 0) -> Double { t.column(name)![row] }
        XCTAssertEqual(v("Cells_Intensity_IntegratedIntensity_A"), 15)
        XCTAssertEqual(v("Cells_Intensity_StdIntensity_A"), 0)
        XCTAssertEqual(v("Cells_Intensity_MassDisplacement_A"), 0, accuracy: 1e-12)
        // Ramp over columns 5...14: mean (5 + 14) / 2 / 64, median likewise, edge = rim pixels.
        XCTAssertEqual(v("Cells_Intensity_MeanIntensity_B"), 9.5 / 64, accuracy: 1e-7)
        XCTAssertEqual(v("Cells_Intensity_MedianIntensity_B"), 9.5 / 64, accuracy: 1e-7)
        XCTAssertEqual(v("Cells_Intensity_LowerQuartileIntensity_B"), 7 / 64, accuracy: 1e-7)
        XCTAssertEqual(v("Cells_Intensity_MaxIntensity_B"), 14 / 64, accuracy: 1e-7)
        XCTAssertEqual(v("Cells_Location_MaxIntensity_X_B"), 14)
        XCTAssertEqual(v("Cells_Location_MaxIntensity_Y_B"), 4, "first maximum in row-major order")
        // Rim of a 10x6 block: 2 * 10 + 2 * 4 pixels.
        XCTAssertEqual(v("Cells_Intensity_IntegratedIntensityEdge_A"), 28 * 0.25, accuracy: 1e-9)
        // A uniform object: one gray level, so ASM 1, contrast 0, entropy 0, correlation 1.
        XCTAssertEqual(v("Cells_Texture_AngularSecondMoment_A_3_00_256"), 1)
        XCTAssertEqual(v("Cells_Texture_Contrast_A_3_01_256"), 0)
        XCTAssertEqual(v("Cells_Texture_Entropy_A_3_02_256"), 0)
        XCTAssertEqual(v("Cells_Texture_Correlation_A_3_03_256"), 1)
        // Horizontal pairs 3 apart on the ramp: levels round(255 x / 64) differ by 12.
        XCTAssertEqual(v("Cells_Texture_Contrast_B_3_00_256"), 144, accuracy: 1e-9)
        // The 3x3 nucleus-only object is too small for pairs 3 pixels apart: NaN.
        XCTAssertTrue(v("Nuclei_Texture_Contrast_A_3_00_256", 1).isNaN)
        // A channel against itself-like ramp: Pearson of constant is undefined; ramp vs 2 * ramp is 1.
        var ramp2 = ramp
        for i in ramp2.pixels.indices { ramp2.pixels[i] *= 2 }
        let u = try CellMeasurements.measure(channels: ["A": ramp2, "B": ramp], nuclei: nuclei, cells: cells, options: options)
        XCTAssertEqual(u.column("Cells_Correlation_Correlation_A_B")![0], 1, accuracy: 1e-9)
        XCTAssertEqual(u.column("Cells_Correlation_Slope_A_B")![0], 0.5, accuracy: 1e-9)
        XCTAssertEqual(u.column("Cells_Correlation_Overlap_A_B")![0], 1, accuracy: 1e-9)
    }

    func testRadialFractionsSumToOneAndThreadsDoNotChangeOutput() throws {
        let site = SyntheticCellSite(width: 160, height: 128, cells: 8, seed: 3)
        var options = CellMeasurementOptions()
        options.families = [.radial, .intensity, .shape, .granularity]
        options.threads = 1
        let one = try CellMeasurements.measure(channels: site.channels, nuclei: site.nuclei, cells: site.cells, options: options)
        options.threads = 2
        let two = try CellMeasurements.measure(channels: site.channels, nuclei: site.nuclei, cells: site.cells, options: options)
        XCTAssertGreaterThanOrEqual(one.rowCount, 6)
        XCTAssertEqual(one.columns, two.columns)
        XCTAssertEqual(one.labels, two.labels)
        XCTAssertTrue(zip(one.values, two.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        for r in 0..<one.rowCount {
            let total = (1...4).map { one.column("Cells_RadialDistribution_FracAtD_DNA_\($0)of4")![r] }.reduce(0, +)
            XCTAssertEqual(total, 1, accuracy: 1e-9)
        }
        // Same seed, same site.
        XCTAssertEqual(SyntheticCellSite(width: 160, height: 128, cells: 8, seed: 3).cells, site.cells)
    }

    func testBadInputIsRefusedWithAReason() {
        let (cells, nuclei) = sample()
        XCTAssertThrowsError(try CellMeasurements.measure(channels: ["DNA": Image(width: 39, height: 30, repeating: 0)], nuclei: nuclei, cells: cells)) {
            XCTAssertEqual("\($0)", "channel DNA is 39x30 but the labels are 40x30")
        }
        var nan = constant(0.1)
        nan[3, 2] = .nan
        XCTAssertThrowsError(try CellMeasurements.measure(channels: ["DNA": nan], nuclei: nuclei, cells: cells)) {
            XCTAssertEqual("\($0)", "channel DNA has a non-finite value at x=3, y=2")
        }
        XCTAssertThrowsError(try CellMeasurements.measure(channels: ["DNA": constant(0)], nuclei: Image(width: 4, height: 4, repeating: 0), cells: cells))
        var options = CellMeasurementOptions()
        options.channelOrder = ["RNA"]
        XCTAssertThrowsError(try CellMeasurements.measure(channels: ["DNA": constant(0)], nuclei: nuclei, cells: cells, options: options))
    }
}
