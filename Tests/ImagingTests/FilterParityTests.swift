import Foundation
import XCTest
@testable import Imaging

/// Filters and segmentation primitives against scikit-image answers on the same input
/// (scripts/reference/make_filter_fixtures.py), plus hand-checked known answers.
final class FilterParityTests: XCTestCase {
    struct Meta: Decodable { let width: Int, height: Int, otsu: Float, li: Float, objects4: Int, objects8: Int, variance_of_laplacian: Double
        let power_log_log_slope: Double }

    func load() throws -> (Meta, Image<Float>) {
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: Fixtures.url("filters/filters.json")))
        let px = try Fixtures.raw("filters/input_f32.raw", as: Float.self)
        return (meta, Image(width: meta.width, height: meta.height, pixels: px))
    }

    func testGaussianMatchesScikitImage() throws {
        let (_, img) = try load()
        for sigma: Float in [1.0, 2.5] {
            let expected = try Fixtures.raw("filters/gaussian_sigma\(sigma).raw", as: Float.self)
            let got = gaussianBlur(img, sigma: sigma).pixels
            let worst = zip(got, expected).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            XCTAssertLessThan(worst, 1e-5, "sigma \(sigma)")
        }
        // Known answer: blurring a constant image leaves it constant (weights sum to 1, reflect border).
        let flat = gaussianBlur(Image(width: 5, height: 4, repeating: 3), sigma: 1.7).pixels
        XCTAssertTrue(flat.allSatisfy { abs($0 - 3) < 1e-5 }, "\(flat)")
    }

    func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max()! }

    func testEdgeFocusAndMedianMatchReference() throws {
        let (meta, img) = try load()
        XCTAssertLessThan(maxAbsDiff(sobelMagnitude(img).pixels, try Fixtures.raw("filters/sobel_f32.raw", as: Float.self)), 1e-3)
        XCTAssertLessThan(maxAbsDiff(laplacian(img).pixels, try Fixtures.raw("filters/laplace_f32.raw", as: Float.self)), 1e-3)
        XCTAssertEqual(varianceOfLaplacian(img), meta.variance_of_laplacian, accuracy: meta.variance_of_laplacian * 1e-5)
        XCTAssertEqual(medianFilter(img, radius: 2).pixels, try Fixtures.raw("filters/median_r2_f32.raw", as: Float.self))
        // Known answers: blur lowers the focus score; a single hot pixel vanishes under a median.
        XCTAssertLessThan(varianceOfLaplacian(gaussianBlur(img, sigma: 2)), varianceOfLaplacian(img) / 4)
        var hot = Image<Float>(width: 5, height: 5, repeating: 1)
        hot[2, 2] = 1000
        XCTAssertEqual(medianFilter(hot, radius: 1).pixels, Array(repeating: 1, count: 25))
    }

    func testPowerLogLogSlopeMatchesCellProfilerFormula() throws {
        let (meta, _) = try load()
        let img = Image(width: 120, height: 90, pixels: try Fixtures.raw("filters/plls_input_f32.raw", as: Float.self))
        let slope = powerLogLogSlope(img)
        XCTAssertEqual(slope, meta.power_log_log_slope, accuracy: 1e-6 * abs(meta.power_log_log_slope))
        // Known answer: blur removes high-frequency power, so the slope gets steeper.
        XCTAssertLessThan(powerLogLogSlope(gaussianBlur(img, sigma: 2)), slope)
        // The DFT itself against a direct sum on a length with factors 2, 3 and 5.
        let x = (0..<30).map { sin(Double($0) * 0.7) + Double($0 % 4) }
        let (fr, fi) = dft(x, Array(repeating: 0, count: 30))
        for k in [0, 1, 7, 29] {
            var sr = 0.0, si = 0.0
            for j in 0..<30 { let a = -2 * Double.pi * Double(j * k) / 30; sr += x[j] * cos(a); si += x[j] * sin(a) }
            XCTAssertEqual(fr[k], sr, accuracy: 1e-9)
            XCTAssertEqual(fi[k], si, accuracy: 1e-9)
        }
    }

    func testThresholdsMatchScikitImage() throws {
        let (meta, img) = try load()
        XCTAssertEqual(Threshold.otsu(img), meta.otsu, accuracy: 1e-3)
        XCTAssertEqual(Threshold.li(img), meta.li, accuracy: 1e-2)
        // Known answer: two well-separated levels; Otsu falls between them.
        let two = Image<Float>(width: 4, height: 1, pixels: [10, 10, 50, 50])
        let t = Threshold.otsu(two)
        XCTAssertTrue(t > 10 && t < 50, "\(t)")
    }

    func testLabellingMatchesScikitImage() throws {
        let (meta, _) = try load()
        let binary = try Fixtures.raw("filters/binary_u8.raw", as: UInt8.self)
        let mask = Image(width: meta.width, height: meta.height, pixels: binary)
        XCTAssertEqual(labelConnectedComponents(mask, connectivity: .four).pixels, try Fixtures.raw("filters/labels4_i32.raw", as: Int32.self))
        XCTAssertEqual(labelConnectedComponents(mask, connectivity: .eight).pixels, try Fixtures.raw("filters/labels8_i32.raw", as: Int32.self))
        XCTAssertEqual(labelConnectedComponents(mask).pixels.max(), Int32(meta.objects8))
    }

    func testLabellingConnectivityKnownAnswer() {
        // The top-left pixel touches the rest only at a corner.
        let m = Image<UInt8>(width: 5, height: 3, pixels: [
            1, 0, 1, 0, 1,
            0, 1, 1, 0, 1,
            0, 0, 1, 1, 1,
        ])
        XCTAssertEqual(labelConnectedComponents(m, connectivity: .four).pixels, [
            1, 0, 2, 0, 2,
            0, 2, 2, 0, 2,
            0, 0, 2, 2, 2,
        ])
        XCTAssertEqual(labelConnectedComponents(m, connectivity: .eight).pixels, [
            1, 0, 1, 0, 1,
            0, 1, 1, 0, 1,
            0, 0, 1, 1, 1,
        ])
    }
}

final class SegmentationParityTests: XCTestCase {
    let w = 64, h = 48

    func testDistanceTransformMatchesScipy() throws {
        let discs = Image(width: w, height: h, pixels: try Fixtures.raw("filters/discs_u8.raw", as: UInt8.self))
        let expected = try Fixtures.raw("filters/discs_edt_f32.raw", as: Float.self)
        let got = euclideanDistanceTransform(discs).pixels
        XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max()!, 1e-4)
        // Known answer: one zero pixel in a 5x5 field; the corner is sqrt(8) away.
        var one = Image<UInt8>(width: 5, height: 5, repeating: 1)
        one[2, 2] = 0
        XCTAssertEqual(euclideanDistanceTransform(one)[0, 0], Float(8).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(euclideanDistanceTransform(one)[2, 0], 2)
    }

    func testWatershedMatchesScikitImage() throws {
        let discs = Image(width: w, height: h, pixels: try Fixtures.raw("filters/discs_u8.raw", as: UInt8.self))
        let expected = try Fixtures.raw("filters/discs_watershed_i32.raw", as: Int32.self)
        var markers = Image<Int32>(width: w, height: h, repeating: 0)
        markers[22, 24] = 1
        markers[44, 22] = 2
        let dist = euclideanDistanceTransform(discs).map { -$0 }
        let got = watershed(dist, markers: markers, mask: discs).pixels
        let agree = zip(got, expected).filter { $0 == $1 }.count
        // Priority-flood ties on plateaus may break differently; demand near-identity.
        XCTAssertGreaterThanOrEqual(Double(agree) / Double(got.count), 0.995, "\(got.count - agree) pixels differ")
        XCTAssertEqual(Set(got), [0, 1, 2])
        XCTAssertEqual(zip(got, discs.pixels).filter { $1 == 0 && $0 != 0 }.count, 0, "labelled outside the mask")
    }

    func testHMaximaMatchesScikitImage() throws {
        // The same smoothed input scikit-image saw, so the comparison isolates h-maxima.
        let smooth = Image(width: w, height: h, pixels: try Fixtures.raw("filters/hmaxima_input_f32.raw", as: Float.self))
        let expected = try Fixtures.raw("filters/hmaxima50_u8.raw", as: UInt8.self)
        let got = hMaxima(smooth, h: 50).pixels
        XCTAssertEqual(zip(got, expected).filter { $0 != $1 }.count, 0)
        XCTAssertGreaterThan(expected.filter { $0 != 0 }.count, 0)
        // Known answer: two peaks, 10 and 3 above a plateau of 0; only the first survives h = 5.
        let line = Image<Float>(width: 7, height: 1, pixels: [0, 10, 0, 0, 3, 0, 0])
        XCTAssertEqual(hMaxima(line, h: 5).pixels, [0, 1, 0, 0, 0, 0, 0])
    }

    func testObjectFilters() {
        let labels = Image<Int32>(width: 5, height: 4, pixels: [
            7, 7, 0, 0, 0,
            0, 0, 0, 3, 0,
            0, 9, 9, 3, 0,
            0, 9, 9, 0, 0,
        ])
        XCTAssertEqual(ObjectFilters.removeSmallObjects(labels, minArea: 3).pixels.filter { $0 != 0 }, [9, 9, 9, 9])
        XCTAssertEqual(Set(ObjectFilters.clearBorder(labels).pixels), [0, 3])
        XCTAssertEqual(Set(ObjectFilters.relabelSequential(labels).pixels), [0, 1, 2, 3])
        XCTAssertEqual(ObjectFilters.relabelSequential(labels)[0, 0], 2)
    }
}
