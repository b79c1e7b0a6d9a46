import ArgumentParser
import Core
import Foundation
import Learning
import NeuralNet
import Screen
import Tensor

/// `phenoscope embed`: per-cell embeddings from a trained backbone (CNN global-pooled
/// features, ViT class token) as `F.npy` (float32, cells x dims) plus `F.csv` with the
/// crop store's cells.csv rows, streamed in batches.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed single-cell crops with a trained model (.npy + metadata CSV).")

    @Option(help: "A run folder from `phenoscope train` or a .safetensors backbone beside model.json.") var model: String
    @Option(help: "Crop store folder.") var cells: String
    @Option(help: "Output .npy; the metadata CSV goes beside it with .csv.") var out: String
    @Option(help: "Cells per forward pass.") var batchSize = 128
    @Option(help: "Compute threads (0 = all cores).") var threads = 0
    @Flag(help: "Use random (untrained) weights of the model's architecture and seed: a baseline.") var untrained = false
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        if threads > 0 { Threads.setCount(threads) }
        guard batchSize >= 1 else { throw ValidationError("--batch-size: expected >= 1, got \(batchSize)") }
        let embedder = try Embedder(model: URL(fileURLWithPath: model), untrained: untrained)
        let store = try CropStore.open(URL(fileURLWithPath: cells))
        let progress = ProgressLine("embed", total: store.header.count, quiet: quiet)
        let values = try embedder.embed(store: store, batchSize: batchSize) { progress.advance(by: $0) }
        progress.finish()
        let outURL = URL(fileURLWithPath: out)
        let csvURL = outURL.deletingPathExtension().appendingPathExtension("csv")
        try NPYArray(float32: values, shape: [store.header.count, embedder.dim]).write(to: outURL)
        try store.cells.write(to: csvURL)
        Log.info("embedded \(store.header.count) cells (\(embedder.dim) dims) -> \(outURL.path)", quiet: quiet)
    }
}
