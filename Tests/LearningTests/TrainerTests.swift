import Core
import Foundation
import NeuralNet
import Screen
import Tensor
import XCTest
@testable import Learning

/// Training end to end on a tiny synthetic crop store: config strictness, every method runs
/// and writes its run folder, and an interrupted-then-resumed run ends bit-identical to an
/// uninterrupted one.
final class TrainerTests: XCTestCase {
    /// 48 cells, 2 channels, 16 px; 3 MoAs x 2 compounds each; a class-dependent blob.
    static func makeStore(_ dir: URL, dtype: CropStore.DType = .u16) throws {
        var writer = try CropStoreWriter(directory: dir, channels: ["DNA", "Actin"], size: 16,
                                         metadataColumns: ["Metadata_Compound", "Metadata_MoA"], shardSize: 20, dtype: dtype)
        var rng = SeededRandom(seed: 11)
        for i in 0..<48 {
            let moa = i % 3, compound = (i / 3) % 2
            var crop = [UInt16](repeating: 0, count: 2 * 16 * 16)
            for c in 0..<2 { for y in 0..<16 { for x in 0..<16 {
                let r = Double((x - 8) * (x - 8) + (y - 8) * (y - 8)).squareRoot()
                let signal = c == 0 ? (r < Double(3 + 2 * moa) ? 20000.0 : 0) : Double(moa) * 5000 * Double(x) / 16
                crop[(c * 16 + y) * 16 + x] = UInt16(min(65535, max(0, signal + 2000 * Double(rng.uniform()))))
            } } }
            try writer.append(crop, metadata: ["cmp\(moa)-\(compound)", "moa\(moa)"])
        }
        _ = try writer.finish()
    }

    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID())")
        try Self.makeStore(root.appendingPathComponent("crops"))
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func config(_ method: TrainConfig.Method, epochs: Int = 2) -> TrainConfig {
        var c = TrainConfig()
        c.method = method
        c.epochs = epochs
        c.batchSize = 8
        c.validationFraction = 0.34
        c.outDim = 32; c.headHiddenDim = 16; c.headBottleneckDim = 8
        c.projectionDims = [16, 8]
        c.localCropSize = 8
        c.augmentation.cropScaleMin = 0.6
        return c
    }

    func testUnknownKeysAreNamed() {
        XCTAssertThrowsError(try TrainConfig.parse("lrr: 0.1\n", file: "t.yaml")) {
            XCTAssertEqual("\($0)", "t.yaml: unknown key 'lrr'")
        }
        XCTAssertThrowsError(try TrainConfig.parse("augmentation:\n  flipz: true\n", file: "t.yaml")) {
            XCTAssertEqual("\($0)", "t.yaml: unknown key 'augmentation.flipz'")
        }
        XCTAssertThrowsError(try TrainConfig.parse("arch: vgg\n", file: "t.yaml")) { XCTAssertTrue("\($0)".contains("arch")) }
        // Issue 21: a negative seed reached UInt64(seed) in the trainer and trapped.
        XCTAssertThrowsError(try TrainConfig.parse("seed: -1\n", file: "t.yaml")) {
            XCTAssertEqual("\($0)", "t.yaml: seed: -1; expected a non-negative integer")
        }
        // A name of '..' made the run folder runs_dir's parent.
        XCTAssertThrowsError(try TrainConfig.parse("name: ..\n", file: "t.yaml")) {
            XCTAssertEqual("\($0)", "t.yaml: name: '..' must be a non-empty folder name (not '.' or '..')")
        }
        let c = try? TrainConfig.parse("method: dino\nlocal_crops_number: 4\naugmentation:\n  channel_drop: 0.5\n", file: "t.yaml")
        XCTAssertEqual(c?.method, .dino)
        XCTAssertEqual(c?.localCropsNumber, 4)
        XCTAssertEqual(c?.augmentation.channelDrop, 0.5)
        XCTAssertEqual(c?.augmentation.flips, true)
        // The resolved config round-trips.
        XCTAssertEqual(try TrainConfig.parse(try c!.yaml(), file: "r.yaml"), c)
    }

    func testEveryMethodTrainsAndWritesItsRun() throws {
        let data = try CropDataset.open(root.appendingPathComponent("crops"), labelColumn: "Metadata_MoA")
        for method in TrainConfig.Method.allCases {
            let dir = root.appendingPathComponent("runs/\(method)")
            let trainer = try Trainer(config: config(method, epochs: 1), data: data, runDirectory: dir)
            XCTAssertTrue(Set(trainer.trainIndices.map { data.compounds[$0] }).isDisjoint(with: trainer.validationIndices.map { data.compounds[$0] }))
            try trainer.run()
            for f in ["config.yaml", "metrics.jsonl", "checkpoint.json", "checkpoint-epoch001.safetensors", "backbone.safetensors", "model.json"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(method): \(f)")
            }
            let metrics = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            XCTAssertTrue(metrics.contains("\"loss\""), "\(method)")
            XCTAssertFalse(metrics.contains("\"loss\": null"), "\(method)")
            // Validation kNN accuracy is logged and, on these class-dependent blobs, above chance.
            let knn = metrics.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .compactMap { $0["knn_accuracy"] as? Double }
            XCTAssertGreaterThan(knn.last ?? 0, 0.4, "\(method): \(knn)")
            let embedder = try Embedder(model: dir)
            let e = try embedder.embed(store: data.store, batchSize: 10)
            XCTAssertEqual(e.count, 48 * embedder.dim)
            XCTAssertTrue(e.allSatisfy(\.isFinite))
            // model.json carries the training store's standardization, so the same cells
            // embed the same from another store whose own statistics differ (here: the
            // first 20 cells only).
            let info = try BackboneInfo.read(folder: dir)
            XCTAssertEqual(info.standardization, CropDataset.Standardization(mean: data.mean, std: data.std))
            XCTAssertEqual(info.channelNames, ["DNA", "Actin"])
            let subsetDir = root.appendingPathComponent("subset-\(method)")
            var writer = try CropStoreWriter(directory: subsetDir, channels: ["DNA", "Actin"], size: 16,
                                             metadataColumns: ["Metadata_Compound", "Metadata_MoA"], shardSize: 20)
            var raw: [[UInt16]] = []
            try data.store.forEachShard { _, shard in
                let v = shard.floats(), n = data.store.cellLength
                for i in 0..<shard.shape[0] { raw.append(v[(i * n)..<((i + 1) * n)].map { UInt16($0) }) }
            }
            for i in 0..<20 { try writer.append(raw[i], metadata: ["c", "m"]) }
            _ = try writer.finish()
            let subset = try CropStore.open(subsetDir)
            XCTAssertNotEqual(try CropDataset.open(subsetDir, labelColumn: "Metadata_MoA").mean, data.mean)
            let again = try embedder.embed(store: subset, batchSize: 7)
            XCTAssertEqual(again, Array(e.prefix(20 * embedder.dim)), "\(method)")
            // A third store lists the channels the other way round (Actin, DNA) and holds the
            // remaining 28 cells: matched by name, its cells embed as in the training store.
            let swappedDir = root.appendingPathComponent("swapped-\(method)")
            var swapped = try CropStoreWriter(directory: swappedDir, channels: ["Actin", "DNA"], size: 16,
                                              metadataColumns: ["Metadata_Compound", "Metadata_MoA"], shardSize: 10)
            let plane = 16 * 16
            for i in 20..<48 { try swapped.append(Array(raw[i][plane...] + raw[i][..<plane]), metadata: ["c", "m"]) }
            _ = try swapped.finish()
            let swappedStore = try CropStore.open(swappedDir)
            XCTAssertNotEqual(try CropDataset.open(swappedDir, labelColumn: "Metadata_MoA").mean.reversed(), data.mean)
            let fromSwapped = try embedder.embed(store: swappedStore, batchSize: 9)
            XCTAssertEqual(fromSwapped.count, 28 * embedder.dim)
            for (a, b) in zip(fromSwapped, e[(20 * embedder.dim)...]) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(method)") }
            // A store without one of the model's channels is refused by name.
            let otherDir = root.appendingPathComponent("other-\(method)")
            var other = try CropStoreWriter(directory: otherDir, channels: ["DNA", "Tubulin"], size: 16,
                                            metadataColumns: ["Metadata_Compound", "Metadata_MoA"], shardSize: 20)
            try other.append(raw[0], metadata: ["c", "m"])
            _ = try other.finish()
            XCTAssertThrowsError(try embedder.embed(store: try CropStore.open(otherDir), batchSize: 4)) {
                XCTAssertEqual("\($0)", "\(otherDir.path): no channel 'Actin' among (DNA, Tubulin); the model's channels are DNA, Actin")
            }
            if method == .supervised {
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("confusion_matrix.csv").path))
            }
            if method == .dino {
                // DINO exports the EMA teacher, not the student.
                let exported = try SafeTensors.read(dir.appendingPathComponent("backbone.safetensors"))
                let checkpoint = try SafeTensors.read(dir.appendingPathComponent("checkpoint-epoch001.safetensors"))
                let key = "features.0.conv.weight"
                XCTAssertEqual(exported[key]?.toArray(), checkpoint["teacher.backbone.\(key)"]?.toArray())
                XCTAssertNotEqual(exported[key]?.toArray(), checkpoint["backbone.\(key)"]?.toArray())
            }
        }
    }

    /// `init_from` a stock-style checkpoint (a 3-channel ViT at 32 px with a 1000-class head,
    /// in F16) fits it to the 2-channel 16 px store and says so; the supervised export then
    /// carries the trained classifier as timm's `head` [classes, dim] beside the backbone.
    func testInitFromStockCheckpointAndSupervisedExportCarriesTheHead() throws {
        let data = try CropDataset.open(root.appendingPathComponent("crops"), labelColumn: "Metadata_MoA")
        let stock = try ModelFactory.makeBackbone("vit-tiny", channels: 3, size: 32, patch: 8, seed: 4)
        let url = root.appendingPathComponent("stock.safetensors")
        try SafeTensors.write(stock.stateDict() + [("head.weight", Tensor.zeros([1000, 192])), ("head.bias", Tensor.zeros([1000]))], to: url)
        var c = config(.supervised, epochs: 1)
        c.arch = "vit-tiny"; c.patchSize = 8; c.cellsPerEpoch = 8; c.initFrom = url.path
        let dir = root.appendingPathComponent("runs/init")
        let trainer = try Trainer(config: c, data: data, runDirectory: dir)
        XCTAssertEqual(trainer.initNotes, [
            "dropped the classifier head (a backbone has none): head.bias [1000], head.weight [1000, 192]",
            "resampled pos_embed [1, 17, 192] to [1, 5, 192] (antialiased bicubic, class token kept)",
            "adapted patch_embed.proj.weight from 3 to 2 input channels",
        ])
        let loaded = Dictionary(uniqueKeysWithValues: trainer.backbone.stateDict())
        XCTAssertEqual(loaded["blocks.0.attn.qkv.weight"]?.toArray(),
                       stock.stateDict().first { $0.0 == "blocks.0.attn.qkv.weight" }?.1.toArray())
        try trainer.run()
        let exported = try SafeTensors.read(dir.appendingPathComponent("backbone.safetensors"))
        XCTAssertEqual(exported["head.weight"]?.shape, [3, 192])
        XCTAssertEqual(exported["head.bias"]?.shape, [3])
        XCTAssertEqual(Set(exported.keys).subtracting(["head.weight", "head.bias"]), Set(trainer.backbone.stateDict().map(\.0)))
        var bad = c
        bad.arch = "resnet18"
        XCTAssertThrowsError(try Trainer(config: bad, data: data, runDirectory: root.appendingPathComponent("runs/bad"))) {
            XCTAssertTrue("\($0)".hasPrefix("init_from: \(url.path): "), "\($0)")
        }
    }

    func testResumeIsBitIdentical() throws {
        let data = try CropDataset.open(root.appendingPathComponent("crops"), labelColumn: "Metadata_MoA")
        for method in [TrainConfig.Method.supervised, .dino] {
            let a = root.appendingPathComponent("runs/straight-\(method)"), b = root.appendingPathComponent("runs/resumed-\(method)")
            try Trainer(config: config(method), data: data, runDirectory: a).run()
            try Trainer(config: config(method), data: data, runDirectory: b).run(stopAfter: 1)
            XCTAssertEqual(try Checkpoint.read(b).epoch, 0)
            try Trainer(config: config(method), data: data, runDirectory: b).run(resume: true)
            for f in ["checkpoint-epoch002.safetensors", "optimizer-epoch002.safetensors", "backbone.safetensors"] {
                let x = try SafeTensors.read(a.appendingPathComponent(f)), y = try SafeTensors.read(b.appendingPathComponent(f))
                XCTAssertEqual(Set(x.keys), Set(y.keys), "\(method) \(f)")
                for (k, t) in x { XCTAssertEqual(t.toArray(), y[k]?.toArray(), "\(method) \(f): \(k)") }
            }
            // And training changed the weights.
            let first = try SafeTensors.read(a.appendingPathComponent("checkpoint-epoch001.safetensors"))
            let last = try SafeTensors.read(a.appendingPathComponent("checkpoint-epoch002.safetensors"))
            XCTAssertNotEqual(first["backbone.features.0.conv.weight"]?.toArray(), last["backbone.features.0.conv.weight"]?.toArray())
        }
    }

    /// `budget` ends the loop after the step that reaches it, as cleanly as the last epoch
    /// would: validation, a checkpoint that says why it stopped, the exported backbone; a
    /// budget that is not reached changes nothing.
    func testBudgetStopsTrainingCleanlyAndRecordsWhy() throws {
        let parsed = try TrainConfig.parse("budget:\n  cpu_seconds: 3600\n", file: "t.yaml")
        XCTAssertEqual(parsed.budget.cpuSeconds, 3600)
        XCTAssertEqual(parsed.budget.wallSeconds, 0)
        XCTAssertThrowsError(try TrainConfig.parse("budget:\n  cpu_seconds: -1\n", file: "t.yaml")) {
            XCTAssertEqual("\($0)", "t.yaml: budget.cpu_seconds: -1.0; expected seconds >= 0 (0 = no limit)")
        }
        XCTAssertThrowsError(try TrainConfig.parse("budget:\n  cpu_minutes: 30\n", file: "t.yaml")) {
            XCTAssertEqual("\($0)", "t.yaml: unknown key 'budget.cpu_minutes'")
        }
        let data = try CropDataset.open(root.appendingPathComponent("crops"), labelColumn: "Metadata_MoA")
        func metrics(_ dir: URL) throws -> [[String: Any]] {
            try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        // Any step costs more than a nanosecond of CPU: the loop stops after the first.
        var c = config(.simclr, epochs: 3)
        c.budget.cpuSeconds = 1e-9
        let stopped = root.appendingPathComponent("runs/budget")
        let trainer = try Trainer(config: c, data: data, runDirectory: stopped)
        XCTAssertEqual(trainer.stepsPerEpoch, 4)
        try trainer.run()
        XCTAssertTrue(trainer.stoppedForBudget)
        XCTAssertGreaterThan(trainer.cpuSeconds, 0)
        let state = try Checkpoint.read(stopped)
        XCTAssertEqual(state.stoppedForBudget, true)
        XCTAssertEqual(state.epoch, 0)
        XCTAssertEqual(state.step, 1)
        XCTAssertEqual(state.cpuSeconds, trainer.cpuSeconds)
        for f in [state.weights, state.optimizer, "best.safetensors", "backbone.safetensors", "model.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: stopped.appendingPathComponent(f).path), f)
        }
        let log = try metrics(stopped)
        XCTAssertEqual(log.filter { $0["loss"] != nil }.count, 1)
        let epochRecord = try XCTUnwrap(log.first { $0["epoch_loss"] != nil })
        XCTAssertEqual(epochRecord["stopped_for_budget"] as? Double, 1)
        XCTAssertEqual(epochRecord["step"] as? Int, 1)
        XCTAssertNotNil(epochRecord["knn_accuracy"], "validation runs at the stop as after the last epoch")
        let e = try Embedder(model: stopped).embed(store: data.store, batchSize: 16)
        XCTAssertTrue(e.allSatisfy(\.isFinite))

        // Limits that are not reached: every epoch runs and nothing says budget.
        c.budget.cpuSeconds = 1e6
        c.budget.wallSeconds = 1e6
        let full = root.appendingPathComponent("runs/no-budget")
        let unbounded = try Trainer(config: c, data: data, runDirectory: full)
        try unbounded.run()
        XCTAssertFalse(unbounded.stoppedForBudget)
        let fullState = try Checkpoint.read(full)
        XCTAssertEqual(fullState.epoch, 2)
        XCTAssertEqual(fullState.step, 12)
        XCTAssertEqual(fullState.stoppedForBudget, false)
        XCTAssertEqual(try metrics(full).filter { $0["loss"] != nil }.count, 12)
        XCTAssertFalse(try metrics(full).contains { $0["stopped_for_budget"] != nil })
    }

    /// Batches are pure functions of (epoch, step), so preparing them ahead on the loader's
    /// thread must not change a single weight.
    func testPrefetchLeavesTrainingBitIdentical() throws {
        let data = try CropDataset.open(root.appendingPathComponent("crops"), labelColumn: "Metadata_MoA")
        var weights: [[String: [Float]]] = []
        for prefetch in [0, 2] {
            var c = config(.dino, epochs: 1)
            c.prefetchBatches = prefetch
            c.loaderThreads = 2
            c.evalEvery = 0
            c.cellsPerEpoch = 24   // 3 steps: the producer runs ahead and then waits
            c.augmentation.contrastJitter = 0.2
            c.augmentation.cropRatioMin = 0.75; c.augmentation.cropRatioMax = 4.0 / 3
            c.augmentation.elasticProbability = 0.5; c.augmentation.elasticAlpha = 2
            c.augmentation.blurProbability = 0.5
            c.augmentation.channelDrop = 0.2
            let trainer = try Trainer(config: c, data: data, runDirectory: root.appendingPathComponent("runs/prefetch\(prefetch)"))
            try trainer.run()
            weights.append(Dictionary(uniqueKeysWithValues: trainer.modelState.map { ($0.0, $0.1.toArray()) }))
        }
        XCTAssertFalse(weights[0].isEmpty)
        XCTAssertEqual(Set(weights[0].keys), Set(weights[1].keys))
        for (k, w) in weights[0] { XCTAssertEqual(w, weights[1][k], k) }
    }
}
