import Core
import XCTest
@testable import Imaging

final class SegmentationTests: XCTestCase {
    /// Discs of radius `r` at `centres` (label k = k-th centre), intensity 1000 on 100.
    func discs(_ centres: [(Int, Int)], r: Int = 7, w: Int = 64, h: Int = 48) -> (image: Image<Float>, labels: Image<Int32>) {
        var img = Image<Float>(width: w, height: h, repeating: 100)
        var lab = Image<Int32>(width: w, height: h, repeating: 0)
        for (k, c) in centres.enumerated() {
            for y in 0..<h { for x in 0..<w where (x - c.0) * (x - c.0) + (y - c.1) * (y - c.1) <= r * r && lab[x, y] == 0 {
                img[x, y] = 1000; lab[x, y] = Int32(k + 1)
            } }
        }
        return (img, lab)
    }

    func testTouchingNucleiAreSplitAndScorePerfectly() {
        let (img, truth) = discs([(20, 24), (33, 24), (50, 10)])
        let seg = Segmentation()
        let nuclei = seg.nuclei(img)
        XCTAssertEqual(Set(nuclei.pixels).subtracting([0]).count, 3)
        let score = SegmentationScore(predicted: nuclei, truth: truth)
        XCTAssertEqual(score.truePositives, 3)
        XCTAssertEqual(score.f1, 1, accuracy: 1e-12)
        // Li's threshold sits low on a noise-free two-level image (237 here, as
        // skimage.filters.threshold_li gives), so the blurred rim is kept: IoU about 0.8.
        XCTAssertGreaterThan(score.meanMatchedIoU, 0.75)
        // Otsu is still selectable; it cuts mid-edge on this clean image.
        var otsu = seg
        otsu.nucleusThreshold = .otsu
        let otsuScore = SegmentationScore(predicted: otsu.nuclei(img), truth: truth)
        XCTAssertEqual(otsuScore.truePositives, 3)
        XCTAssertGreaterThan(otsuScore.meanMatchedIoU, 0.9)
    }

    func testSeededNucleiFollowTheGivenCentresInOrder() {
        let (img, _) = discs([(20, 24), (33, 24), (50, 10)])
        // Given out of order, plus one centre on background and one outside the image.
        let nuclei = Segmentation().nuclei(img, seeds: [SIMD2(50, 10), SIMD2(20, 24), SIMD2(5, 45), SIMD2(33, 24), SIMD2(-9, 70)])
        XCTAssertEqual(nuclei[50, 10], 1)
        XCTAssertEqual(nuclei[20, 24], 2)
        XCTAssertEqual(nuclei[33, 24], 4)
        XCTAssertFalse(nuclei.pixels.contains(3), "a centre on background gets no pixels")
        XCTAssertFalse(nuclei.pixels.contains(5))
        // Each given nucleus is (about) its disc: 7-pixel radius is ~150 pixels.
        XCTAssertGreaterThan(nuclei.pixels.filter { $0 == 1 }.count, 120)
    }

    func testFloodQueueOrdersByValueThenAge() {
        var q = FloodQueue()
        let values: [Float] = [2, -1.5, 0, -3, 2, .greatestFiniteMagnitude, -0.0, 1e-30]
        for (age, v) in values.enumerated() { q.push(.init(value: v, age: age, index: age)) }
        var popped: [Int] = []
        while let e = q.pop() { popped.append(Int(e.index)); XCTAssertEqual(e.value, values[Int(e.index)]) }
        // -3, -1.5, then -0.0 and 0 (equal values: -0.0 sorts before 0 by bits; both "zero"), 1e-30, 2 (age 0), 2 (age 4), max.
        XCTAssertEqual(popped, [3, 1, 6, 2, 7, 0, 4, 5])
    }

    func testIlluminationFunctionRecoversASmoothFieldAndFlattensIt() {
        let w = 96, h = 64
        var field = [Float](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w {
            let u = Float(x) / Float(w) - 0.4, v = Float(y) / Float(h) - 0.6
            field[y * w + x] = 1.05 - 0.8 * (u * u + v * v) + 0.1 * u
        } }
        // The mean of many sites: field times (background + sparse bright cells), plus an offset.
        var mean = Image<Float>(width: w, height: h, repeating: 0)
        var rng = SeededRandom(seed: 7)
        for i in 0..<(w * h) { mean.pixels[i] = 180 + field[i] * (200 + (rng.next() % 50 == 0 ? 400 : 0)) }
        for smoothing in IlluminationFunction.Smoothing.allCases {
            var f = IlluminationFunction()
            f.smoothing = smoothing
            let estimate = f.estimate(mean: mean)
            XCTAssertEqual(estimate.pixels.min()!, 1, "scaled to a robust minimum of 1 (\(smoothing))")
            XCTAssertGreaterThan(pearson(estimate.pixels, field), 0.97, "\(smoothing)")
            let corrected = IlluminationFunction.apply(estimate, to: mean.map { UInt16($0.rounded()) })
            XCTAssertLessThan(IlluminationFunction.blockCoefficientOfVariation(corrected, block: 16),
                              0.5 * IlluminationFunction.blockCoefficientOfVariation(mean, block: 16), "\(smoothing)")
        }
    }

    func pearson(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { let x = Double(a[i]) - ma, y = Double(b[i]) - mb; sab += x * y; saa += x * x; sbb += y * y }
        return sab / (saa * sbb).squareRoot()
    }
}

