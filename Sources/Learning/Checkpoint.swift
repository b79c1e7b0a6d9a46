import Core
import Foundation
import Tensor

/// `checkpoint.json` in a run folder: where the last checkpoint's weights and optimizer state
/// are, and the loop state to continue from (epoch, step, best validation accuracy, patience
/// count). The data order and augmentations derive from (seed, epoch, step), so no RNG state
/// needs saving: resuming replays exactly the steps an uninterrupted run takes.
public struct Checkpoint: Codable, Equatable {
    public var config: TrainConfig
    /// The last completed epoch (0-based) and global step count after it.
    public var epoch: Int
    public var step: Int
    /// File names in the run folder: model weights (backbone, heads, teacher, DINO center)
    /// and optimizer state (`Optimizer.namedState`).
    public var weights: String
    public var optimizer: String
    public var bestAccuracy: Double
    public var evaluationsSinceBest: Int
    /// The loop ended at its `budget` inside epoch `epoch` (after `step` steps); absent in
    /// checkpoints written before budgets existed. `--resume` goes on with the next epoch.
    public var stoppedForBudget: Bool?
    /// CPU seconds (all threads) the loop had spent when this checkpoint was written.
    public var cpuSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case config, epoch, step, weights, optimizer, bestAccuracy = "best_accuracy", evaluationsSinceBest = "evaluations_since_best",
             stoppedForBudget = "stopped_for_budget", cpuSeconds = "cpu_seconds"
    }

    public static func read(_ runDirectory: URL) throws -> Checkpoint {
        let url = runDirectory.appendingPathComponent("checkpoint.json")
        return try JSONDecoder().decode(Checkpoint.self, from: try Data(contentsOf: url))
    }

    public func write(_ runDirectory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // JSON has no NaN: store "no evaluation yet" as -1.
        var copy = self
        if !copy.bestAccuracy.isFinite { copy.bestAccuracy = -1 }
        try AtomicFile.write(try encoder.encode(copy), to: runDirectory.appendingPathComponent("checkpoint.json"))
    }
}
