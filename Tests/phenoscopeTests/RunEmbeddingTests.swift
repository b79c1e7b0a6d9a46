import Core
import Foundation
import Screen
import Tensor
import XCTest
@testable import phenoscope

/// `phenoscope run` with `embedding:` trains on the run's own crops, embeds every cell, and
/// evaluates the embeddings' well profiles beside the classical ones and the untrained
/// baseline; a second run finds it all up to date and does not train again.
final class RunEmbeddingTests: XCTestCase {
    func testTrainsEmbedsAndEvaluatesAsStages() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runembed-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        method: simclr
        arch: cnn4
        batch_size: 16
        epochs: 1
        cells_per_epoch: 32
        eval_every: 0
        seed: 2
        """.write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("run.yaml")
        try """
        name: e
        runs_dir: \(dir.path)
        screen:
          synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 96, height: 96, seed: 4}
        segmentation: {method: ground_truth}
        features: {families: [intensity], texture_scales: [3]}
        crops: {enabled: true, size: 24, shard_size: 64}
        evaluation: {null_size: 20, classifiers: false}
        embedding: {enabled: true, train: train.yaml, batch_size: 50, random_baseline: true}
        """.write(to: config, atomically: true, encoding: .utf8)

        try RunCommand.parse([config.path, "--quiet"]).run()

        let run = dir.appendingPathComponent("e")
        let plates = try String(contentsOf: run.appendingPathComponent("plates.txt"), encoding: .utf8).split(separator: "\n")
        let perPlate = try plates.map { try CropStore.open(run.appendingPathComponent("plates/\($0)/crops")).header.count }
        let joined = try CropStore.open(run.appendingPathComponent("crops")).header.count
        XCTAssertEqual(joined, perPlate.reduce(0, +))
        XCTAssertGreaterThan(joined, 50)
        let trained = try NPYArray.read(run.appendingPathComponent("embeddings/embedding.npy"))
        let random = try NPYArray.read(run.appendingPathComponent("embeddings/embedding_random.npy"))
        XCTAssertEqual(trained.shape.first, joined)
        XCTAssertGreaterThan(trained.shape.last ?? 0, 1)
        XCTAssertEqual(random.shape, trained.shape)
        XCTAssertNotEqual(trained.doubles(), random.doubles(), "trained and untrained weights must embed differently")
        for name in ["embedding", "embedding_random"] {
            let data = try Data(contentsOf: run.appendingPathComponent("evaluation/\(name)/evaluation.json"))
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            XCTAssertNotNil(json["nsc"] as? Double, name)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("index/wells_embedding/index.json").path))
        let weights = run.appendingPathComponent("model/backbone.safetensors")
        let before = try FileManager.default.attributesOfItem(atPath: weights.path)[.modificationDate] as? Date
        try RunCommand.parse([config.path, "--quiet"]).run()
        let after = try FileManager.default.attributesOfItem(atPath: weights.path)[.modificationDate] as? Date
        XCTAssertEqual(before, after, "an up-to-date run does not train again")
    }
}
