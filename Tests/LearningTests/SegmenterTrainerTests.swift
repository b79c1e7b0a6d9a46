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

    /// `extra_data` folders are training images only: the validation split and split.csv's
    /// validation rows come from `data`, the extra images are listed as train, the model
    /// records both folders, and an id found in two folders is a one-line error.
    func testExtraDataIsTrainedOnButNeverValidatedOn() throws {
        let fm = FileManager.default
        let data = root.appendingPathComponent("data"), extra = root.appendingPathComponent("extra")
        for sub in ["images", "masks"] {
            try fm.createDirectory(at: extra.appendingPathComponent(sub), withIntermediateDirectories: true)
            for i in 0..<2 {
                try fm.copyItem(at: data.appendingPathComponent("\(sub)/img\(i).tif"), to: extra.appendingPathComponent("\(sub)/more\(i).tif"))
            }
        }
        let run = SegmenterTrainer(config: try config(steps: 3), runDirectory: root.appendingPathComponent("mixed"))
        let info = try XCTUnwrap(try run.run(data: data, extraData: [extra], validationIDsURL: nil, resume: false))
        XCTAssertEqual(info.training?.trainImages, 5)
        XCTAssertEqual(info.training?.validationImages, 1)
        XCTAssertEqual(info.training?.data, "data + extra")
        let split = try String(contentsOf: root.appendingPathComponent("mixed/split.csv"), encoding: .utf8)
        XCTAssertTrue(split.contains("more0,fluorescence,train\n") && split.contains("more1,fluorescence,train\n"), split)
        XCTAssertEqual(split.split(separator: "\n").filter { $0.hasSuffix(",validation") }.count, 1)

        try fm.copyItem(at: data.appendingPathComponent("images/img3.tif"), to: extra.appendingPathComponent("images/img3.tif"))
        try fm.copyItem(at: data.appendingPathComponent("masks/img3.tif"), to: extra.appendingPathComponent("masks/img3.tif"))
        let clash = SegmenterTrainer(config: try config(steps: 3), runDirectory: root.appendingPathComponent("clash"))
        XCTAssertThrowsError(try clash.run(data: data, extraData: [extra], validationIDsURL: nil, resume: false)) {
            XCTAssertEqual("\($0)", "\(extra.path): image id 'img3' is also in another data folder; ids must be unique")
        }
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
