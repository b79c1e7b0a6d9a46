import XCTest
import Foundation
import Learning
@testable import Workflow

final class PipelineTests: XCTestCase {
    func testSkipsUpToDateStagesAndRerunsOnChange() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let input = dir.appendingPathComponent("in.txt"), mid = dir.appendingPathComponent("mid.txt"),
            out = dir.appendingPathComponent("out.txt")
        try "a".write(to: input, atomically: true, encoding: .utf8)
        var runs: [String] = []
        func stages(_ param: String) -> [Stage] {
            [Stage(name: "one", inputs: [input], outputs: [mid], parameters: param) {
                runs.append("one"); try "m".write(to: mid, atomically: true, encoding: .utf8)
            },
             Stage(name: "two", inputs: [mid], outputs: [out], parameters: "") {
                runs.append("two"); try "o".write(to: out, atomically: true, encoding: .utf8)
            }]
        }
        let p = Pipeline(runDirectory: dir)
        XCTAssertEqual(try p.run(stages("x")), ["one", "two"])
        XCTAssertEqual(try p.run(stages("x")), [])
        // A changed parameter re-runs the stage and everything after it.
        XCTAssertEqual(try p.run(stages("y")), ["one", "two"])
        // A newer input re-runs its stage.
        for old in [mid, out] {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: old.path)
        }
        XCTAssertEqual(try p.run(stages("y")), ["one", "two"])
        // A missing output re-runs only from that stage.
        try FileManager.default.removeItem(at: out)
        XCTAssertEqual(try p.run(stages("y")), ["two"])
        XCTAssertEqual(runs, ["one", "two", "one", "two", "one", "two", "two"])
    }

    func testFailingStageLeavesNoStamp() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-\(UUID())")
        struct Boom: Error {}
        let stage = Stage(name: "bad", inputs: [], outputs: [dir.appendingPathComponent("x")], parameters: "") { throw Boom() }
        XCTAssertThrowsError(try Pipeline(runDirectory: dir).run([stage]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("stages/bad.done").path))
        let lying = Stage(name: "lying", inputs: [], outputs: [dir.appendingPathComponent("never")], parameters: "") {}
        XCTAssertThrowsError(try Pipeline(runDirectory: dir).run([lying]))
    }
}

final class RunConfigTests: XCTestCase {
    func testDefaultsAndResolvedRoundTrip() throws {
        let c = try RunConfig.parse("name: demo\nscreen:\n  synthetic:\n    plates: 3\n", file: "c.yaml")
        XCTAssertEqual(c.name, "demo")
        XCTAssertEqual(c.screen.synthetic.plates, 3)
        XCTAssertEqual(c.screen.synthetic.seed, 1)
        XCTAssertEqual(try RunConfig.parse(c.yaml(), file: "r.yaml"), c)
        XCTAssertEqual(try RunConfig.parse("", file: "e.yaml"), RunConfig())
        let on = try RunConfig.parse("illumination: {enabled: true}\nnormalization: {level: well}\ncrops: {enabled: true, size: 128, mask_neighbours: true}\n", file: "o.yaml")
        XCTAssertTrue(on.illumination.enabled)
        XCTAssertEqual(on.normalization.level, .well)
        XCTAssertEqual(on.crops.size, 128)
        XCTAssertTrue(on.crops.maskNeighbours)
        XCTAssertFalse(RunConfig().crops.enabled, "crops stay off by default so the main job is fast")
        XCTAssertEqual(try RunConfig.parse(on.yaml(), file: "r.yaml"), on)
    }

    func testErrorsNameTheKey() {
        func message(_ yaml: String) -> String {
            do { _ = try RunConfig.parse(yaml, file: "c.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("screen:\n  synthetc: {}\n"), "c.yaml: unknown key 'screen.synthetc'")
        XCTAssertEqual(message("screen:\n  synthetic:\n    plates: many\n"), "c.yaml: screen.synthetic.plates: expected Int")
        XCTAssertEqual(message("screen:\n  synthetic:\n    plates: 0\n"), "c.yaml: screen.synthetic.plates: 0; expected 1 to 1000")
        XCTAssertEqual(message("normalization:\n  level: site\n"), "c.yaml: normalization.level: 'site': expected none, plate, well or image")
        XCTAssertEqual(message("crops:\n  dtype: f32\n"), "c.yaml: crops.dtype: 'f32': expected u16 or f16")
        XCTAssertEqual(message("segmentation:\n  method: locations\n"), "c.yaml: segmentation.locations: method 'locations' needs the path of a CSV of cell locations")
        XCTAssertEqual(message("segmentation:\n  nucleus_threshold: triangle\n"), "c.yaml: segmentation.nucleus_threshold: 'triangle': expected otsu or li")
        XCTAssertEqual(try RunConfig.parse("segmentation: {nucleus_threshold: li}\n", file: "c.yaml").segmentation.nucleusThreshold, .li)
        XCTAssertEqual(message("illumination:\n  smoothing: mean\n"), "c.yaml: illumination.smoothing: 'mean': expected median or polynomial")
        XCTAssertEqual(message("embedding:\n  enabled: true\n  train: t.yaml\n"),
                       "c.yaml: embedding.enabled: learned embeddings are computed from crops; set crops.enabled: true")
        XCTAssertEqual(message("crops: {enabled: true}\nembedding:\n  enabled: true\n"),
                       "c.yaml: embedding.train/model: give exactly one: a train config to train on this run's crops, or an existing model")
        XCTAssertEqual(message("crops: {enabled: true}\nembedding: {enabled: true, model: m, batch_size: 0}\n"), "c.yaml: embedding.batch_size: expected at least 1")
        XCTAssertEqual(message("features:\n  families: [intensity, shap]\n"),
                       "c.yaml: features.families: 'shap': expected intensity, shape, texture, granularity, radial or correlation")
        XCTAssertEqual(message("segmentation:\n  method: watershed\n"),
                       "c.yaml: segmentation.method: 'watershed': expected classic, ground_truth, masks, locations or model")
        // Issue 21: a name that leaves runs_dir, a negative seed, an absurd synthetic size.
        XCTAssertEqual(message("name: ..\n"), "c.yaml: name: '..' must be a folder name (not empty, '.', '..', nor containing a slash)")
        XCTAssertEqual(message("name: .\n"), "c.yaml: name: '.' must be a folder name (not empty, '.', '..', nor containing a slash)")
        XCTAssertEqual(message("screen:\n  synthetic: {seed: -1}\n"), "c.yaml: screen.synthetic.seed: -1; expected >= 0")
        XCTAssertEqual(message("evaluation: {seed: -1}\n"), "c.yaml: evaluation.seed: -1; expected >= 0")
        XCTAssertEqual(message("screen:\n  synthetic: {width: 4611686018427387904}\n"),
                       "c.yaml: screen.synthetic.width/height: 4611686018427387904x512; expected 64 to 8192 pixels")
        // Sizes that crashed or ran away before anything was written (2^62 plates: SIGSEGV in
        // the layout; 1e9 sites: allocation abort), and a plate format checked only after
        // the synthetic screen had been drawn.
        XCTAssertEqual(message("screen:\n  synthetic: {plates: 4611686018427387904}\n"),
                       "c.yaml: screen.synthetic.plates: 4611686018427387904; expected 1 to 1000")
        XCTAssertEqual(message("screen:\n  synthetic: {sites: 1000000000}\n"), "c.yaml: screen.synthetic.sites: 1000000000; expected 1 to 100")
        XCTAssertEqual(message("screen:\n  plate_wells: -96\n"), "c.yaml: screen.plate_wells: -96; expected 6, 24, 96, 384 or 1536")
        XCTAssertEqual(message("crops: {size: 4611686018427387904}\n"), "c.yaml: crops.size: 4611686018427387904; expected 1 to 2048 pixels")
        XCTAssertEqual(message("evaluation: {null_size: 9223372036854775807}\n"),
                       "c.yaml: evaluation.null_size: 9223372036854775807; expected 1 to 1000000")
        XCTAssertEqual(message("evaluation: {bootstrap: 1000000000}\n"),
                       "c.yaml: evaluation.bootstrap: 1000000000; expected 0 (no intervals) to 100000 resamples")
        XCTAssertNoThrow(try RunConfig.parse("screen: {plate_wells: 384}\n", file: "c.yaml"))
        let m = message("name: [unclosed\n")
        XCTAssertTrue(m.hasPrefix("c.yaml: "), m)
    }

    func testShippedDefaultConfigParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/default.yaml")
        XCTAssertEqual(try RunConfig.load(url).name, "default")
        let learned = try RunConfig.load(url.deletingLastPathComponent().appendingPathComponent("learned.yaml"))
        XCTAssertTrue(learned.embedding.enabled && learned.crops.enabled)
        XCTAssertNoThrow(try TrainConfig.load(url.deletingLastPathComponent().appendingPathComponent(learned.embedding.train)))
    }
}
