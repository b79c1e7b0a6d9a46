import Foundation
import NeuralNet
import Tensor
import XCTest
@testable import Learning

/// `Trainer` under `mpirun -np 2` (each rank on half of every global batch, gradients
/// averaged) ends with the weights one process gets on the whole batches: exactly for a ViT
/// (LayerNorm is per sample), while a CNN's BatchNorm uses per-rank statistics as in PyTorch
/// DDP, so there the two ranks must agree with each other but not with one process.
final class DataParallelTrainingTests: XCTestCase {
    static let workerDirectoryVariable = "PHENOSCOPE_DP_TRAIN_OUT"

    static func config(_ arch: String) -> TrainConfig {
        var c = TrainConfig()
        c.arch = arch
        c.epochs = 1
        c.batchSize = 16           // 32 training cells: 2 steps
        c.validationFraction = 0.34
        c.evalEvery = 0
        // SGD: Adam's g / sqrt(v) turns rounding-level gradient differences on near-zero
        // gradients into visible update differences.
        c.optimizer = "sgd"
        c.lr = 0.05
        c.clipGrad = 1
        return c
    }

    static func train(_ arch: String, crops: URL, run: URL, communicator: Communicator) throws -> [String: [Float]] {
        let data = try CropDataset.open(crops, labelColumn: "Metadata_MoA")
        let trainer = try Trainer(config: config(arch), data: data, runDirectory: run, communicator: communicator)
        XCTAssertEqual(trainer.stepsPerEpoch, 2)
        try trainer.run()
        return Dictionary(uniqueKeysWithValues: trainer.modelState.map { ($0.0, $0.1.toArray()) })
    }

    func testTwoRanksMatchOneProcess() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dptrain-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TrainerTests.makeStore(dir.appendingPathComponent("crops"))
        try MPILauncher.runTwoRanks(worker: "LearningTests.DataParallelTrainingTests/testRankWorker", variable: Self.workerDirectoryVariable, directory: dir)

        for arch in ["vit-tiny", "cnn4"] {
            let ranks = try (0..<2).map { r in
                try SafeTensors.read(dir.appendingPathComponent("\(arch)-rank\(r).safetensors")).mapValues { $0.toArray() }
            }
            // Parameters agree exactly (same averaged gradients); BatchNorm running statistics
            // are rank 0's broadcast plus the rank's own last batch, as in DDP.
            for (k, v) in ranks[0] where !k.contains("running_") && !k.contains("num_batches") {
                XCTAssertEqual(v, ranks[1][k], "\(arch): ranks disagree on \(k)")
            }
            // Rank 0 wrote the run folder.
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("dp-\(arch)/backbone.safetensors").path))
        }
        let single = try Self.train("vit-tiny", crops: dir.appendingPathComponent("crops"),
                                    run: dir.appendingPathComponent("single"), communicator: .single)
        let rank0 = try SafeTensors.read(dir.appendingPathComponent("vit-tiny-rank0.safetensors")).mapValues { $0.toArray() }
        XCTAssertEqual(Set(single.keys), Set(rank0.keys))
        var worst: Float = 0
        for (k, v) in single { for (a, b) in zip(v, rank0[k]!) { worst = max(worst, abs(a - b) / max(1, abs(b))) } }
        XCTAssertLessThan(worst, 1e-5, "vit-tiny: data-parallel weights differ from one process")
        // And training moved the weights.
        let initial = try ModelFactory.makeBackbone("vit-tiny", channels: 2, size: 16, patch: 8, seed: 0)
        XCTAssertNotEqual(initial.stateDict().first { $0.0 == "patch_embed.proj.weight" }?.1.toArray(),
                          single["backbone.patch_embed.proj.weight"])
    }

    func testRankWorker() throws {
        guard Communicator.isLaunchedByMPI, let out = ProcessInfo.processInfo.environment[Self.workerDirectoryVariable] else {
            throw XCTSkip("runs only under mpirun, started by testTwoRanksMatchOneProcess")
        }
        let world = try Communicator.world()
        let dir = URL(fileURLWithPath: out)
        for arch in ["vit-tiny", "cnn4"] {
            let run = dir.appendingPathComponent("dp-\(arch)")
            let weights = try Self.train(arch, crops: dir.appendingPathComponent("crops"), run: run, communicator: world)
            try SafeTensors.write(weights.sorted { $0.key < $1.key }.map { ($0.key, Tensor(shape: [$0.value.count], $0.value)) },
                                  to: dir.appendingPathComponent("\(arch)-rank\(world.rank).safetensors"))
        }
    }
}
