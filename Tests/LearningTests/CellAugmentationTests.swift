import Core
import Foundation
import Tensor
import XCTest
@testable import Learning

/// Each augmentation of `CellAugmentation` checked on its own against what it must do to a
/// known source, plus seeding and the config's range checks.
final class CellAugmentationTests: XCTestCase {
    /// Every augmentation switched off and the crop box the whole cell.
    static func off() -> TrainConfig.Augmentation {
        var a = TrainConfig.Augmentation()
        a.flips = false; a.rotate90 = false
        a.intensityJitter = 0; a.contrastJitter = 0; a.channelDrop = 0
        a.cropScaleMin = 1; a.cropScaleMax = 1; a.cropRatioMin = 1; a.cropRatioMax = 1
        a.elasticProbability = 0; a.blurProbability = 0
        return a
    }

    /// 3 channels of distinct, non-zero, non-constant values.
    static func source(channels c: Int = 3, size s: Int = 16) -> [Float] {
        var rng = SeededRandom(seed: 5)
        return (0..<(c * s * s)).map { _ in 0.5 + rng.uniform(0, 2) }
    }

    func view(_ a: TrainConfig.Augmentation, _ src: [Float], seed: UInt64, channels c: Int = 3, size s: Int = 16,
              outSize o: Int = 16, scale: (Double, Double) = (1, 1), offsets: [Float] = [0.5, -0.25, 1]) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return CellAugmentation(a, intensityOffsets: offsets).view(src, channels: c, size: s, outSize: o, scale: scale, rng: &rng)
    }

    func testEverythingOffIsTheIdentity() {
        let src = Self.source()
        for seed in UInt64(0)..<5 { XCTAssertEqual(view(Self.off(), src, seed: seed), src) }
    }

    func testSameSeedSameViewOtherSeedOtherView() {
        var a = TrainConfig.Augmentation()
        a.contrastJitter = 0.2; a.channelDrop = 0.3
        a.cropScaleMin = 0.4; a.cropRatioMin = 0.75; a.cropRatioMax = 4.0 / 3
        a.elasticProbability = 0.5; a.elasticAlpha = 2; a.elasticSigma = 2
        a.blurProbability = 0.5
        let src = Self.source()
        let first = view(a, src, seed: 42, outSize: 12, scale: (0.4, 1))
        XCTAssertEqual(first.count, 3 * 12 * 12)
        XCTAssertEqual(view(a, src, seed: 42, outSize: 12, scale: (0.4, 1)), first)
        XCTAssertNotEqual(view(a, src, seed: 43, outSize: 12, scale: (0.4, 1)), first)
        XCTAssertTrue(first.allSatisfy(\.isFinite))
    }

    func testBlurKeepsMassAndConstants() {
        // A delta near a corner too: the reflected border must not lose mass.
        for (x, y) in [(16, 16), (1, 0), (31, 30)] {
            var planes = [Float](repeating: 0, count: 2 * 32 * 32)
            planes[y * 32 + x] = 1
            planes[32 * 32 + y * 32 + x] = 3
            CellAugmentation.blur(&planes, channels: 2, size: 32, sigma: 1.7)
            XCTAssertEqual(planes[0..<(32 * 32)].reduce(0, +), 1, accuracy: 1e-3)
            XCTAssertEqual(planes[(32 * 32)...].reduce(0, +), 3, accuracy: 3e-3)
            XCTAssertLessThan(planes[y * 32 + x], 1, "the delta spread out")
        }
        // Through a view, sigma drawn up to 2 on an 8-pixel view (kernel wider than the plane).
        var a = Self.off()
        a.blurProbability = 1; a.blurSigmaMin = 1; a.blurSigmaMax = 2
        let constant = (0..<(2 * 8 * 8)).map { $0 < 64 ? Float(0.75) : Float(-2) }
        let out = view(a, constant, seed: 3, channels: 2, size: 8, outSize: 8)
        for (j, v) in out.enumerated() { XCTAssertEqual(v, j < 64 ? 0.75 : -2, accuracy: 1e-5) }
    }

    /// A brightness gain g acts on intensity, so a standardized z becomes
    /// g·z + (g − 1)·mean/std; the gains are redrawn from the same stream as the view does.
    func testBrightnessIsAGainOnIntensity() {
        var a = Self.off()
        a.intensityJitter = 0.3
        let offsets: [Float] = [0.5, -0.25, 1.5], src = Self.source()
        let out = view(a, src, seed: 9, offsets: offsets)
        var rng = SeededRandom(seed: 9)
        _ = CellAugmentation.cropBox(size: 16, scale: (1, 1), ratio: (1, 1), rng: &rng)
        var gains: [Float] = []
        for ch in 0..<3 {
            let g = max(1 + Float(0.3) * rng.normal(), 0.5)
            gains.append(g)
            for j in [0, 17, 255] {
                let z = src[ch * 256 + j]
                XCTAssertEqual(out[ch * 256 + j], g * z + (g - 1) * offsets[ch], accuracy: 1e-6, "channel \(ch) pixel \(j)")
            }
        }
        XCTAssertTrue(gains.contains { abs($0 - 1) > 0.01 }, "the seed drew a gain that does something: \(gains)")
    }

    func testContrastKeepsEachChannelsMean() {
        var a = Self.off()
        a.contrastJitter = 0.5
        let src = Self.source(), out = view(a, src, seed: 4)
        for ch in 0..<3 {
            let x = Array(src[(ch * 256)..<((ch + 1) * 256)]), y = Array(out[(ch * 256)..<((ch + 1) * 256)])
            let mx: Float = x.reduce(0, +) / 256, my: Float = y.reduce(0, +) / 256
            XCTAssertEqual(my, mx, accuracy: 1e-4)
            // One factor k >= 0.5 for the whole channel: the least-squares slope.
            var xy: Float = 0, xx: Float = 0
            for j in 0..<256 { xy += (x[j] - mx) * (y[j] - my); xx += (x[j] - mx) * (x[j] - mx) }
            let k = xy / xx
            XCTAssertGreaterThanOrEqual(k, 0.5 - 1e-4)
            for j in 0..<256 { XCTAssertEqual(y[j] - my, k * (x[j] - mx), accuracy: 1e-3) }
        }
        XCTAssertNotEqual(out, src)
    }

    func testElasticWithZeroAlphaIsNoWarp() {
        var warped = Self.off()
        warped.flips = true; warped.rotate90 = true; warped.cropScaleMin = 0.5
        let plain = warped
        warped.elasticProbability = 1; warped.elasticAlpha = 0
        let src = Self.source()
        for seed in UInt64(0)..<4 {
            XCTAssertEqual(view(warped, src, seed: seed, outSize: 12, scale: (0.5, 1)),
                           view(plain, src, seed: seed, outSize: 12, scale: (0.5, 1)))
        }
        warped.elasticAlpha = 3
        XCTAssertNotEqual(view(warped, src, seed: 0, outSize: 12, scale: (0.5, 1)),
                          view(plain, src, seed: 0, outSize: 12, scale: (0.5, 1)))
    }

    func testCropBoxStaysInItsRanges() {
        let s = 64, scale = (0.2, 0.8), ratio = (0.75, 4.0 / 3)
        var rng = SeededRandom(seed: 1)
        var ratios: [Double] = []
        for _ in 0..<1000 {
            let g = CellAugmentation.cropBox(size: s, scale: scale, ratio: ratio, rng: &rng)
            XCTAssertTrue(g.x0 >= 0 && g.y0 >= 0 && g.x0 + g.width <= Double(s) && g.y0 + g.height <= Double(s), "\(g)")
            XCTAssertEqual(g.x0, g.x0.rounded()); XCTAssertEqual(g.width, g.width.rounded())
            // Width and height are rounded to whole pixels, so each bound allows half a pixel.
            let (w, h) = (g.width, g.height), area = Double(s * s)
            XCTAssertLessThanOrEqual((w - 0.5) * (h - 0.5), scale.1 * area, "\(g)")
            XCTAssertGreaterThanOrEqual((w + 0.5) * (h + 0.5), scale.0 * area, "\(g)")
            XCTAssertLessThanOrEqual((w - 0.5) / (h + 0.5), ratio.1, "\(g)")
            XCTAssertGreaterThanOrEqual((w + 0.5) / (h - 0.5), ratio.0, "\(g)")
            ratios.append(w / h)
        }
        XCTAssertLessThan(ratios.min()!, 0.85)
        XCTAssertGreaterThan(ratios.max()!, 1.2)
        // Ranges no box fits fall back to the whole crop.
        let whole = CellAugmentation.cropBox(size: 16, scale: (1, 1), ratio: (4, 5), rng: &rng)
        XCTAssertEqual(whole, CellAugmentation.Geometry(x0: 0, y0: 0, width: 16, height: 16))
    }

    func testChannelDropZeroesExactlyOneChannel() {
        var a = Self.off()
        a.channelDrop = 1
        let src = Self.source()
        var dropped = Set<Int>()
        for seed in UInt64(0)..<30 {
            let out = view(a, src, seed: seed)
            let zero = (0..<3).filter { ch in out[(ch * 256)..<((ch + 1) * 256)].allSatisfy { $0 == 0 } }
            XCTAssertEqual(zero.count, 1, "seed \(seed)")
            for ch in 0..<3 where !zero.contains(ch) {
                XCTAssertEqual(Array(out[(ch * 256)..<((ch + 1) * 256)]), Array(src[(ch * 256)..<((ch + 1) * 256)]))
            }
            dropped.formUnion(zero)
        }
        XCTAssertEqual(dropped, [0, 1, 2])
        // One channel has nothing to drop.
        XCTAssertEqual(view(a, Array(src.prefix(256)), seed: 0, channels: 1, offsets: [0]), Array(src.prefix(256)))
    }

    func testConfigRangesAreChecked() throws {
        XCTAssertThrowsError(try TrainConfig.parse("augmentation:\n  blur_probability: 1.5\n", file: "t.yaml")) {
            XCTAssertTrue("\($0)".hasPrefix("t.yaml: augmentation.blur_probability: 1.5"), "\($0)")
        }
        for (yaml, key) in [("augmentation:\n  crop_ratio_min: 2\n  crop_ratio_max: 1\n", "augmentation.crop_ratio_min"),
                            ("augmentation:\n  elastic_sigma: 0\n", "augmentation.elastic_sigma"),
                            ("augmentation:\n  contrast_jitter: -1\n", "augmentation.contrast_jitter"),
                            ("prefetch_batches: -1\n", "prefetch_batches")] {
            XCTAssertThrowsError(try TrainConfig.parse(yaml, file: "t.yaml")) { XCTAssertTrue("\($0)".contains("t.yaml: \(key):"), "\($0)") }
        }
        let c = try TrainConfig.parse("""
            prefetch_batches: 0
            augmentation:
              contrast_jitter: 0.2
              crop_ratio_min: 0.75
              crop_ratio_max: 1.333
              elastic_probability: 0.5
              blur_probability: 0.5
              blur_sigma_max: 1.5
            """, file: "t.yaml")
        XCTAssertEqual(c.prefetchBatches, 0)
        XCTAssertEqual(c.augmentation.contrastJitter, 0.2)
        XCTAssertEqual(c.augmentation.cropRatioMax, 1.333)
        XCTAssertEqual(c.augmentation.blurSigmaMax, 1.5)
        XCTAssertEqual(try TrainConfig.parse(try c.yaml(), file: "r.yaml"), c)
    }

    /// `intensity_shift` adds one offset per channel, N(0, shift) channel standard deviations,
    /// after the gain; gain and offset are drawn per channel from the view's stream.
    func testIntensityShiftIsAPerChannelOffset() {
        var a = Self.off()
        a.intensityJitter = 0.3
        a.intensityShift = 0.5
        let offsets: [Float] = [0.5, -0.25, 1.5], src = Self.source()
        let out = view(a, src, seed: 9, offsets: offsets)
        var rng = SeededRandom(seed: 9)
        _ = CellAugmentation.cropBox(size: 16, scale: (1, 1), ratio: (1, 1), rng: &rng)
        var shifts: [Float] = []
        for ch in 0..<3 {
            let g = max(1 + Float(0.3) * rng.normal(), 0.5)
            let s = Float(0.5) * rng.normal()
            shifts.append(s)
            for j in [0, 17, 255] {
                let z = src[ch * 256 + j]
                XCTAssertEqual(out[ch * 256 + j], g * z + (g - 1) * offsets[ch] + s, accuracy: 1e-5, "channel \(ch) pixel \(j)")
            }
        }
        XCTAssertEqual(Set(shifts).count, 3, "each channel draws its own shift: \(shifts)")
        XCTAssertThrowsError(try TrainConfig.parse("augmentation:\n  intensity_shift: -0.1\n", file: "t.yaml")) {
            XCTAssertTrue("\($0)".contains("t.yaml: augmentation.intensity_shift:"), "\($0)")
        }
    }
}
