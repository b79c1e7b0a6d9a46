import XCTest
import Foundation
import NeuralNet
import Core
import Tensor
@testable import Imaging

final class NucleusSegmenterTests: XCTestCase {
    /// Ellipses (cx, cy, rx, ry) painted in order, later ones over earlier ones, so
    /// overlapping ellipses become touching nuclei with a shared border.
    func ellipses(_ shapes: [(Double, Double, Double, Double)], w: Int, h: Int) -> Image<Int32> {
        var lab = Image<Int32>(width: w, height: h, repeating: 0)
        for (k, s) in shapes.enumerated() {
            for y in 0..<h {
                for x in 0..<w {
                    let dx = (Double(x) - s.0) / s.2, dy = (Double(y) - s.1) / s.3
                    if dx * dx + dy * dy <= 1 { lab[x, y] = Int32(k + 1) }
                }
            }
        }
        return lab
    }

    /// Known answer: the maps `NucleusMaps.targets` makes from a label image decode back to
    /// the same objects, touching ones included (two of similar size meeting along a line,
    /// a chain of three, one small nucleus against a large one, one at the image border).
    func testTargetsDecodeBackToTheirLabels() {
        let truth = ellipses([(20, 20, 9, 7), (35, 21, 8, 8),                    // a touching pair
                              (70, 15, 7, 6), (82, 15, 7, 6), (94, 16, 7, 6),      // a chain of three
                              (30, 55, 14, 12), (47, 55, 5, 5),                    // large and small
                              (3, 70, 6, 6), (80, 60, 3, 3)], w: 110, h: 80)       // border; tiny
        let t = NucleusMaps.targets(truth)
        let decoded = NucleusMaps.labels(foreground: t.foreground, distance: t.distance)
        let overlap = ObjectOverlap(predicted: decoded, truth: truth)
        XCTAssertEqual(overlap.predictedCount, 9)
        XCTAssertEqual(overlap.truthCount, 9)
        let s = overlap.score(threshold: 0.85)
        XCTAssertEqual(s.truePositives, 9, "every nucleus comes back")
        for pair in overlap.pairs where pair.iou > 0.5 {
            // Exact, except the large nucleus (6) against the small one (7): their shared
            // border, where the large one's rim distance (1/peak) is the lower, goes to the
            // small one, so about one pixel row changes hands.
            XCTAssertEqual(pair.iou, [6, 7].contains(pair.truth) ? 0.94 : 1, accuracy: [6, 7].contains(pair.truth) ? 0.05 : 0,
                           "nucleus \(pair.truth)")
        }
        // Foreground and background come back exactly.
        let agree = zip(decoded.pixels, truth.pixels).filter { ($0 == 0) == ($1 == 0) }.count
        XCTAssertEqual(agree, truth.pixels.count)
        XCTAssertEqual(overlap.dsbScore, 1, accuracy: 0.05)
        // minArea drops the tiny one (29 pixels) and renumbers.
        let filtered = NucleusMaps.labels(foreground: t.foreground, distance: t.distance, minArea: 40)
        XCTAssertEqual(Set(filtered.pixels).subtracting([0]), Set(1...8))
    }

    /// Known answer for the threshold sweep: one pair at IoU 0.6 (60/100), one at 0.8,
    /// one true nucleus missed, one false detection.
    func testThresholdSweepCountsMatchesFromOnePass() {
        var truth = Image<Int32>(width: 60, height: 20, repeating: 0)
        var pred = truth
        // Truth 1: x 0..<10 (100 px); prediction 1: x 2..<10 plus 2x10 outside -> inter 80, union 120 (0.667).
        for y in 0..<10 { for x in 0..<10 { truth[x, y] = 1 } }
        for y in 0..<10 { for x in 2..<12 { pred[x, y] = 1 } }
        // Truth 2: 10x10 at x 20; prediction 2: its 9x10 part -> IoU 0.9.
        for y in 0..<10 { for x in 20..<30 { truth[x, y] = 2 } }
        for y in 0..<10 { for x in 20..<29 { pred[x, y] = 2 } }
        // Truth 3 missed; prediction 3 on background.
        for y in 12..<16 { for x in 0..<4 { truth[x, y] = 3 } }
        for y in 12..<16 { for x in 40..<44 { pred[x, y] = 3 } }
        let overlap = ObjectOverlap(predicted: pred, truth: truth)
        XCTAssertEqual(overlap.pairs.map(\.iou), [0.9, 80.0 / 120.0])
        let at50 = overlap.score(threshold: 0.5)
        XCTAssertEqual([at50.truePositives, at50.falsePositives, at50.falseNegatives], [2, 1, 1])
        XCTAssertEqual(at50, SegmentationScore(predicted: pred, truth: truth))
        let at70 = overlap.score(threshold: 0.7)
        XCTAssertEqual([at70.truePositives, at70.falsePositives, at70.falseNegatives], [1, 2, 2])
        XCTAssertEqual(at70.matchedFraction, 0.2)
        // 0.5, 0.55, 0.6, 0.65: 2/4; 0.7 ... 0.85: 1/5; 0.9 (not above), 0.95: 0/6.
        XCTAssertEqual(overlap.dsbScore, (4 * 0.5 + 4 * 0.2) / 10, accuracy: 1e-12)
        // Nothing to find and nothing found counts as perfect.
        let empty = Image<Int32>(width: 4, height: 4, repeating: 0)
        XCTAssertEqual(ObjectOverlap(predicted: empty, truth: empty).dsbScore, 1)
    }

    func tinySegmenter(widths: [Int], seed: UInt64 = 3) -> NucleusSegmenter {
        let config = UNet.Config(inChannels: 1, outChannels: 2, widths: widths)
        let net = UNet(config: config, seed: seed)
        // Non-trivial running statistics, so the batch-norm fold is exercised too.
        for (name, t) in net.namedBuffers() where name.hasSuffix("running_mean") || name.hasSuffix("running_var") {
            let n = t.count
            let isMean = name.hasSuffix("mean")
            let values: [Float] = (0..<n).map { i -> Float in isMean ? 0.1 * Float(i % 3) - 0.1 : 0.5 + 0.25 * Float(i % 4) }
            withNoGrad { t.assign(Tensor(shape: t.shape, values)) }
        }
        return NucleusSegmenter(info: NucleusModelInfo(unet: config, normalization: PercentileNormalization(), training: nil),
                                network: net, source: "test")
    }

    /// A blobby plane in 16-bit units (blobs on a background, deterministic).
    func blobs(w: Int, h: Int) -> Image<Float> {
        var img = Image<Float>(width: w, height: h, repeating: 0)
        var rng = SeededRandom(seed: 11)
        let centres: [(Float, Float)] = (0..<12).map { _ in (rng.uniform() * Float(w), rng.uniform() * Float(h)) }
        for y in 0..<h {
            for x in 0..<w {
                var v: Float = 300 + Float((x * 7 + y * 13) % 17)
                for c in centres {
                    let dx: Float = Float(x) - c.0, dy: Float = Float(y) - c.1
                    v += 3000 * exp(-(dx * dx + dy * dy) / 40)
                }
                img[x, y] = v
            }
        }
        return img
    }

    func maxDifference(_ a: Image<Float>, _ b: Image<Float>) -> Float {
        zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 0
    }

    /// The maps do not depend on the tile layout: kept cores keep the whole receptive field
    /// and tiles start on the pooling grid. Three levels (margin 28, multiple 4) on an image
    /// whose sides are not multiples of anything; tiles of 72 (16-pixel cores), 96 and one
    /// whole-image tile; with and without flips.
    func testMapsDoNotDependOnTheTileLayout() {
        var seg = tinySegmenter(widths: [4, 6, 8])
        XCTAssertEqual(seg.margin, 28)
        let image = blobs(w: 101, h: 77)
        for border in [0, 8, 28] {
            seg.border = border
            for tta in [false, true] {
                seg.tta = tta
                var results: [(Image<Float>, Image<Float>)] = []
                for tile in [72, 96, 1024] {
                    seg.tileSize = tile
                    results.append(seg.maps(image))
                }
                for r in results.dropFirst() {
                    XCTAssertLessThan(maxDifference(r.0, results[0].0), 1e-5, "border \(border), tta \(tta)")
                    XCTAssertLessThan(maxDifference(r.1, results[0].1), 1e-5, "border \(border), tta \(tta)")
                }
                // The maps are not constant, so the comparison means something.
                XCTAssertGreaterThan((results[0].0.pixels.max() ?? 0) - (results[0].0.pixels.min() ?? 0), 1e-3)
            }
        }
    }

    /// Known answer for the border: the tiled maps equal one network pass, written out here,
    /// over the image mirrored by `border` pixels on each side and then to a multiple of 4
    /// after it. Away from the edges (beyond the receptive-field radius, 26 px for three
    /// levels) the border changes nothing; at the edges it does.
    func testTiledMapsEqualOnePassOverTheMirroredImage() {
        var seg = tinySegmenter(widths: [4, 6, 8])
        seg.tileSize = 72
        let image = blobs(w: 101, h: 77)
        let input = seg.info.normalization(image)
        var byBorder: [Int: Image<Float>] = [:]
        for border in [0, 8, 28] {
            seg.border = border
            let tiled = seg.maps(image).foreground
            let ew = (101 + 2 * border + 3) / 4 * 4, eh = (77 + 2 * border + 3) / 4 * 4
            var extended = [Float](repeating: 0, count: ew * eh)
            for y in 0..<eh {
                for x in 0..<ew { extended[y * ew + x] = input[reflectIndex(x - border, 101), reflectIndex(y - border, 77)] }
            }
            let logits = seg.infer(extended, count: 1, height: eh, width: ew)
            var worst: Float = 0
            for y in 0..<77 {
                for x in 0..<101 {
                    let whole = NucleusSegmenter.sigmoid(logits[(y + border) * ew + x + border])
                    worst = max(worst, abs(whole - tiled[x, y]))
                }
            }
            XCTAssertLessThan(worst, 1e-5, "border \(border)")
            byBorder[border] = tiled
        }
        guard let a = byBorder[0], let b = byBorder[28] else { return XCTFail("missing maps") }
        var inner: Float = 0, edge: Float = 0
        for y in 0..<77 {
            for x in 0..<101 {
                let d = abs(a[x, y] - b[x, y])
                if min(x, y, 100 - x, 76 - y) >= 26 { inner = max(inner, d) } else { edge = max(edge, d) }
            }
        }
        XCTAssertLessThan(inner, 1e-5)
        XCTAssertGreaterThan(edge, 1e-4)
    }

    /// The same picture as 8-bit and as 16-bit (x 257, plus a camera offset) gives the same
    /// maps: the percentile normalization is over the whole image and affine-invariant.
    func testEightAndSixteenBitGiveTheSameMaps() {
        let seg = tinySegmenter(widths: [4, 8])
        var rng = SeededRandom(seed: 5)
        let eight = blobs(w: 70, h: 50).map { v -> Float in
            let scaled: Float = min(255, (v - 250) / 14) + rng.uniform() * 2
            return scaled.rounded(.down)
        }
        let sixteen = eight.map { $0 * 257 + 100 }
        let a = seg.maps(eight), b = seg.maps(sixteen)
        XCTAssertLessThan(maxDifference(a.foreground, b.foreground), 1e-4)
        XCTAssertLessThan(maxDifference(a.distance, b.distance), 1e-4)
        XCTAssertEqual(seg.nuclei(eight), seg.nuclei(sixteen))
    }

    func writeModel(_ seg: NucleusSegmenter, to dir: URL, info: NucleusModelInfo? = nil) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try (info ?? seg.info).write(dir.appendingPathComponent("model.json"))
        try SafeTensors.write(seg.network.stateDict(), to: dir.appendingPathComponent("model.safetensors"))
    }

    func testModelFolderLoadsAndBadOnesAreOneLineErrors() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seg = tinySegmenter(widths: [4, 8])
        try writeModel(seg, to: dir.appendingPathComponent("good"))
        let loaded = try NucleusSegmenter.load(dir.appendingPathComponent("good").path)
        let image = blobs(w: 40, h: 30)
        XCTAssertEqual(loaded.maps(image).distance, seg.maps(image).distance)
        XCTAssertEqual(try NucleusSegmenter.load(dir.appendingPathComponent("good/model.json").path).info, seg.info)

        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        // Widths that do not match the weights.
        var wrong = seg.info
        wrong.unet.widths = [4, 16]
        try writeModel(seg, to: dir.appendingPathComponent("wrong"), info: wrong)
        let m1 = message { try NucleusSegmenter.load(dir.appendingPathComponent("wrong").path) }
        XCTAssertTrue(m1.contains("model.safetensors") && m1.contains("shape") && m1.contains("[4, 16]"), m1)
        // Widths that cannot build a network at all.
        wrong.unet.widths = [8]
        try writeModel(seg, to: dir.appendingPathComponent("shallow"), info: wrong)
        let m2 = message { try NucleusSegmenter.load(dir.appendingPathComponent("shallow").path) }
        XCTAssertTrue(m2.contains("model.json") && m2.contains("unet.widths"), m2)
        // No model at all.
        let m3 = message { try NucleusSegmenter.load(dir.appendingPathComponent("none").path) }
        XCTAssertTrue(m3.contains("no model.json"), m3)
        for m in [m1, m2, m3] { XCTAssertFalse(m.contains("\n"), m) }
    }

    func testShippedModelIsFoundAboveTheProgram() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let program = root.appendingPathComponent(".build/x86_64-unknown-linux-gnu/release/phenoscope")
        try FileManager.default.createDirectory(at: program.deletingLastPathComponent(), withIntermediateDirectories: true)
        XCTAssertNil(NucleusSegmenter.shippedModelFolder(executable: program))
        try writeModel(tinySegmenter(widths: [4, 8]), to: root.appendingPathComponent("models/nuclei"))
        XCTAssertEqual(NucleusSegmenter.shippedModelFolder(executable: program)?.standardizedFileURL.path,
                       root.appendingPathComponent("models/nuclei").standardizedFileURL.path)
    }
}
