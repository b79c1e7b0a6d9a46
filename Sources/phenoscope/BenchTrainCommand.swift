import ArgumentParser
import Foundation
import Learning
import NeuralNet
import Tensor

/// `phenoscope bench train`: images per second of one SGD training step (forward,
/// cross-entropy over 128 classes, backward, update) and of inference, for a named
/// model on random input. `scripts/reference/bench_train_torch.py` runs the same step in
/// PyTorch and prints the ratios.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training and inference throughput of a model (images/s)."
    )

    @Option(help: "Model: cnn4, resnet18, resnet50, vit-tiny, vit-small, vit-base.")
    var model: String = "resnet18"
    @Option(help: "ViT patch side (8 or 16); --size must be a multiple.") var patch: Int = 16
    @Option(help: "Batch size.") var batch: Int = 64
    @Option(help: "Square input side in pixels.") var size: Int = 96
    @Option(help: "Input channels.") var channels: Int = 3
    @Option(help: "Timed steps (after one warm-up step).") var steps: Int = 5
    @Option(help: "Kernel threads (BLAS and oneDNN).") var threads: Int = 2
    @Option(parsing: .unconditional, help: "Random seed for weights and input.") var seed: UInt64 = 0
    @Flag(help: "Print one JSON object on stdout.") var json = false

    func validate() throws {
        guard batch > 0, size >= 32, steps > 0, threads > 0, channels > 0 else {
            throw ValidationError("--batch, --steps, --threads, --channels must be positive and --size at least 32")
        }
        guard patch > 0, size % patch == 0 else {
            throw ValidationError("--size \(size) must be a multiple of --patch \(patch)")
        }
    }

    func run() throws {
        Threads.setCount(threads)
        let classes = 128
        let net = try ModelFactory.makeModel(model, channels: channels, size: size, patch: patch, classes: classes, seed: seed)
        var rng = RandomGenerator(seed: seed &+ 1)
        let x = Tensor.normal([batch, channels, size, size], rng: &rng)
        let targets = (0..<batch).map { _ in Int(rng.next() % UInt64(classes)) }
        let opt = SGD(parameters: net.parameters, learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4)

        func trainStep() {
            net.zeroGrad()
            let loss = crossEntropy(net(x), targets: targets)
            loss.backward()
            opt.step()
        }
        net.train(true)
        trainStep()  // warm-up: primitive compilation, first allocations
        let t0 = Date()
        for _ in 0..<steps { trainStep() }
        let trainRate = Double(batch * steps) / Date().timeIntervalSince(t0)

        net.train(false)
        withNoGrad { _ = net(x) }
        let t1 = Date()
        for _ in 0..<steps { withNoGrad { _ = net(x) } }
        let inferRate = Double(batch * steps) / Date().timeIntervalSince(t1)

        if json {
            print("{\"train_images_per_s\": \(trainRate), \"infer_images_per_s\": \(inferRate)}")
        } else {
            print("\(model) batch \(batch) size \(size) threads \(threads): train \(String(format: "%.1f", trainRate)) images/s, infer \(String(format: "%.1f", inferRate)) images/s")
        }
    }
}
