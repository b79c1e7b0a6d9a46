import ArgumentParser
import Foundation
import Learning
import Tensor

/// `phenoscope bench learn --cells CROPS`: training throughput (cells/s, data loading and
/// augmentation included) of each method with the same backbone and batch, reported with the
/// ratio to supervised training (one view per cell), the baseline measured in the same run.
struct BenchLearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Training cells/s of supervised, SimCLR and DINO on a crop store.")

    @Option(help: "Crop store folder.") var cells: String
    @Option(help: "Architecture.") var arch = "cnn4"
    @Option(help: "Global batch size.") var batchSize = 64
    @Option(help: "Timed steps per method.") var steps = 10
    @Option(help: "Compute threads (0 = all cores).") var threads = 0
    @Option(help: "Loader threads.") var loaderThreads = 1
    @Flag(help: "Print one JSON object on stdout.") var json = false

    func run() throws {
        if threads > 0 { Threads.setCount(threads) }
        let data = try CropDataset.open(URL(fileURLWithPath: cells), labelColumn: "Metadata_MoA")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-learn-\(UUID())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var rates: [(String, Double)] = []
        for method in TrainConfig.Method.allCases {
            var c = TrainConfig()
            c.method = method
            c.arch = arch
            c.batchSize = batchSize
            c.epochs = 1
            // One untimed warm-up step (primitive creation), then `steps` timed ones.
            c.cellsPerEpoch = batchSize * (steps + 1)
            c.evalEvery = 0
            c.loaderThreads = loaderThreads
            c.outDim = 1024; c.headHiddenDim = 512; c.headBottleneckDim = 128
            let trainer = try Trainer(config: c, data: data, runDirectory: scratch.appendingPathComponent(method.rawValue))
            var start: Date?
            trainer.progress = { _, step, _, _, _ in if step == 0 { start = Date() } }
            try trainer.run()
            let seconds = Date().timeIntervalSince(start ?? Date())
            rates.append((method.rawValue, Double(batchSize * steps) / seconds))
            Log.info(String(format: "%@: %.1f cells/s", method.rawValue, rates.last!.1), quiet: json)
        }
        let base = rates[0].1
        if json {
            let fields = rates.map { "\"\($0.0)_cells_per_s\": \($0.1), \"\($0.0)_ratio\": \($0.1 / base)" }
            print("{\"arch\": \"\(arch)\", \"batch_size\": \(batchSize), " + fields.joined(separator: ", ") + "}")
        } else {
            for (m, r) in rates { print(String(format: "%@ %@ batch %d: %.1f cells/s (%.2fx supervised)", m, arch, batchSize, r, r / base)) }
        }
    }
}
