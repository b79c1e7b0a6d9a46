import Foundation
import Core
import Imaging
import NeuralNet
import Tensor
import XCTest
@testable import Learning

/// `train-segmenter` end to end on a tiny synthetic annotated folder: the loss falls, the run
/// folder holds a loadable model, and a resumed run ends with the same weights as an
/// uninterrupted one.
final class SegmenterTrainerTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("segtrain-\(UUID().uuidString)")
        let images = root.appendingPathComponent("data/images"), masks = root.appendingPathComponent("data/masks")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: masks, withIntermediateDirectories: true)
        var rng = SeededRandom(seed: 4)
        for i in 0..<4 {
            var image = Image<UInt16>(width: 48, height: 40, repeating: 100)
            var labels = Image<Int32>(width: 48, height: 40, repeating: 0)
            for k in 1...4 {
                let cx = rng.int(below: 36) + 6, cy = rng.int(below: 28) + 6, r = 3 + rng.int(below: 3)
                for y in 0..<40 {
                    for x in 0..<48 {
                        let dx = x - cx, dy = y - cy
                        if dx * dx + dy * dy <= r * r { image[x, y] = 3000; labels[x, y] = Int32(k) }
                    }
                }
            }
            try TIFFWriter.write(image, to: images.appendingPathComponent("img\(i).tif"))
            try TIFFWriter.write(labels, to: masks.appendingPathComponent("img\(i).tif"))
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func config(steps: Int) throws -> SegmenterConfig {
        try StrictYAML.decode(SegmenterConfig.self, from: """
            widths: [4, 8]
            patch_size: 16
            batch_size: 4
            steps: \(steps)
            lr: 0.01
            warmup_steps: 2
            checkpoint_every: 3
            eval_every: 3
            validation_fraction: 0.25
            validation_patches: 4
            threads: 1
            kinds: [fluorescence]
            """, defaults: SegmenterConfig(), file: "test.yaml")
    }

    func testTrainsResumesAndExports() throws {
        let data = root.appendingPathComponent("data")
        let full = SegmenterTrainer(config: try config(steps: 12), runDirectory: root.appendingPathComponent("full"))
        var losses: [Double] = []
        full.progress = { _, _, loss, _ in losses.append(loss) }
        let info = try XCTUnwrap(try full.run(data: data, validationIDsURL: nil, resume: false))
        XCTAssertEqual(info.training?.trainImages, 3)
        XCTAssertEqual(info.training?.validationImages, 1)
        XCTAssertLessThan(losses.suffix(3).reduce(0, +), losses.prefix(3).reduce(0, +))

        // Interrupted after 6 steps (a checkpoint at 6), then resumed to 12.
        let partDir = root.appendingPathComponent("part")
        let first = SegmenterTrainer(config: try config(steps: 12), runDirectory: partDir)
        first.stopAtStep = 5
        XCTAssertNil(try first.run(data: data, validationIDsURL: nil, resume: false))
        try SegmenterTrainer(config: try config(steps: 12), runDirectory: partDir).run(data: data, validationIDsURL: nil, resume: true)
        let a = try SafeTensors.read(root.appendingPathComponent("full/last.safetensors"))
        let b = try SafeTensors.read(partDir.appendingPathComponent("last.safetensors"))
        for (name, t) in a { XCTAssertEqual(t.toArray(), b[name]?.toArray(), name) }

        let loaded = try NucleusModelInfo.read(root.appendingPathComponent("full/model.json"))
        let net = UNet(config: loaded.unet)
        try net.load(try SafeTensors.read(root.appendingPathComponent("full/model.safetensors")), source: "model")
        XCTAssertThrowsError(try full.run(data: data, validationIDsURL: nil, resume: false))
    }

    func testConfigErrorsNameTheKey() {
        XCTAssertThrowsError(try StrictYAML.decode(SegmenterConfig.self, from: "patchsize: 64", defaults: SegmenterConfig(), file: "s.yaml")) {
            XCTAssertEqual("\($0)", "s.yaml: unknown key 'patchsize'")
        }
        XCTAssertThrowsError(try SegmenterConfig().with { $0.patchSize = 60 }.validate(file: "s.yaml")) {
            XCTAssertTrue("\($0)".hasPrefix("s.yaml: patch_size: 60; expected a multiple of 8"), "\($0)")
        }
        XCTAssertThrowsError(try StrictYAML.decode(SegmenterConfig.self, from: "kinds: [phase]", defaults: SegmenterConfig(), file: "s.yaml")) {
            XCTAssertTrue("\($0)".hasPrefix("s.yaml: kinds"), "\($0)")
        }
    }
}

extension SegmenterConfig {
    func with(_ change: (inout SegmenterConfig) -> Void) -> SegmenterConfig {
        var c = self
        change(&c)
        return c
    }
}
