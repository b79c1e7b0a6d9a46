import Foundation
import XCTest
@testable import Imaging

/// The learned segmenter's training targets, and reading annotated images in both layouts.
final class NucleusTargetsTests: XCTestCase {
    /// Two touching 3-pixel-wide squares: foreground everywhere inside, distance peaking at 1
    /// in each centre and low on the shared edge, 0 on background.
    func testTargetsOfTouchingNuclei() {
        var labels = Image<Int32>(width: 8, height: 5, repeating: 0)
        for y in 1...3 { for x in 1...3 { labels[x, y] = 1 }; for x in 4...6 { labels[x, y] = 2 } }
        let (fg, dist) = NucleusMaps.targets(labels)
        XCTAssertEqual(fg.pixels.filter { $0 == 1 }.count, 18)
        XCTAssertEqual(dist[2, 2], 1)
        XCTAssertEqual(dist[5, 2], 1)
        // Rim pixels: distance 0 to the nearest non-interior pixel, then (0 + 1) / (1 + 1).
        XCTAssertEqual(dist[3, 2], 0.5)
        XCTAssertEqual(dist[4, 2], 0.5)
        XCTAssertEqual(dist[0, 0], 0)
        XCTAssertTrue(dist.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testPercentileNormalizationIsScaleInvariant() {
        let base = Image<Float>(width: 50, height: 40, pixels: (0..<2000).map { Float(($0 * 37) % 251) })
        let n8 = PercentileNormalization()(base)
        let n16 = PercentileNormalization()(base.map { $0 * 257 + 1000 })
        for (a, b) in zip(n8.pixels, n16.pixels) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        XCTAssertEqual(histogramQuantile([1, 2, 3, 4], 0.5), 3, accuracy: 1e-3)
    }

    /// A two-image Data Science Bowl folder: masks become labels in file-name order, kinds are
    /// told apart, and the stratified split is seeded and by image.
    func testReadsDataScienceBowlLayout() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(id: String, background: UInt8) throws {
            let folder = dir.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("masks"), withIntermediateDirectories: true)
            var image = Image<UInt8>(width: 16, height: 12, repeating: background)
            var m1 = Image<UInt8>(width: 16, height: 12, repeating: 0), m2 = m1
            for y in 2..<6 { for x in 2..<6 { image[x, y] = 200; m1[x, y] = 255 } }
            for y in 7..<10 { for x in 9..<14 { image[x, y] = 180; m2[x, y] = 255 } }
            try PNGCodec.write(gray: image, to: folder.appendingPathComponent("images/\(id).png"))
            try PNGCodec.write(gray: m1, to: folder.appendingPathComponent("masks/a.png"))
            try PNGCodec.write(gray: m2, to: folder.appendingPathComponent("masks/b.png"))
        }
        try write(id: "fluo", background: 5)
        try write(id: "bright", background: 150)
        let data = try AnnotatedNuclei.load(dir)
        XCTAssertEqual(data.items.map(\.id), ["bright", "fluo"])
        XCTAssertEqual(data.items.map(\.kind), [.brightfield, .fluorescence])
        let fluo = data.items[1]
        XCTAssertEqual(fluo.labels[3, 3], 1)
        XCTAssertEqual(fluo.labels[10, 8], 2)
        XCTAssertEqual(fluo.labels[0, 0], 0)
        XCTAssertEqual(fluo.image[3, 3], 200)
        XCTAssertEqual(try AnnotatedNuclei.load(dir, ids: ["fluo"]).items.count, 1)
        XCTAssertThrowsError(try AnnotatedNuclei.load(dir.appendingPathComponent("missing")))
    }
}
