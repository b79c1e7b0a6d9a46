import ArgumentParser
import Core
import Foundation
import Learning
import NeuralNet
import Tensor

/// `phenoscope bench dp`: data-parallel training throughput over MPI against one process,
/// in one run. It measures SGD steps on a global batch in this process (all `--threads`
/// kernel threads), then starts `mpirun -np RANKS` on itself, where each rank takes
/// `batch / RANKS` images with `threads / RANKS` kernel threads and gradients are averaged
/// by `GradientReducer` every step, and prints both rates in images/s and their ratio.
struct BenchDataParallelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dp",
        abstract: "Data-parallel (MPI) training throughput against one process (images/s)."
    )

    @Option(help: "Model: cnn4, resnet18, resnet50.") var model = "cnn4"
    @Option(help: "Global batch size (split over the ranks).") var batch = 64
    @Option(help: "Square input side in pixels.") var size = 64
    @Option(help: "Input channels.") var channels = 3
    @Option(help: "Timed steps (after one warm-up step).") var steps = 5
    @Option(help: "MPI ranks to compare with one process.") var ranks = 2
    @Option(help: "Kernel threads in all (each rank gets threads / ranks).") var threads = 2
    @Option(parsing: .unconditional, help: "Random seed for weights and input.") var seed: UInt64 = 0
    @Flag(help: "Print one JSON object on stdout.") var json = false
    @Flag(help: .hidden) var worker = false

    func validate() throws {
        guard batch > 0, steps > 0, ranks >= 2, threads > 0, batch % ranks == 0 else {
            throw ValidationError("--batch must be a positive multiple of --ranks (at least 2); --steps and --threads positive")
        }
    }

    /// Images/s of `steps` SGD steps on the global batch, this process being one of `communicator.size` ranks.
    func measure(_ communicator: Communicator, threads: Int) throws -> Double {
        Threads.setCount(max(1, threads))
        let classes = 128
        let net = try ModelFactory.makeModel(model, channels: channels, size: size, classes: classes, seed: seed)
        try GradientReducer.broadcast(net.parameters, communicator: communicator)
        let reducer = GradientReducer(parameters: net.parameters, communicator: communicator)
        let local = batch / communicator.size
        var rng = RandomGenerator(seed: SeededRandom.derive(seed, communicator.rank))
        let x = Tensor.normal([local, channels, size, size], rng: &rng)
        let targets = (0..<local).map { _ in Int(rng.next() % UInt64(classes)) }
        let opt = SGD(parameters: net.parameters, learningRate: 0.01, momentum: 0.9)
        net.train(true)
        func step() throws {
            net.zeroGrad()
            crossEntropy(net(x), targets: targets).backward()
            try reducer.averageGradients()
            opt.step()
        }
        try step()
        try communicator.barrier()
        let t0 = Date()
        for _ in 0..<steps { try step() }
        try communicator.barrier()
        return Double(batch * steps) / Date().timeIntervalSince(t0)
    }

    func run() throws {
        if worker {
            let world = try Communicator.world()
            let rate = try measure(world, threads: threads / world.size)
            if world.isRoot { print("{\"images_per_s\": \(rate)}") }
            return
        }
        let single = try measure(.single, threads: threads)
        guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile) else {
            throw ValidationError("mpirun not found (scripts/bootstrap.sh installs openmpi-bin)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun)
        p.arguments = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", String(ranks), CommandLine.arguments[0],
                       "bench", "dp", "--worker", "--model", model, "--batch", String(batch), "--size", String(size),
                       "--channels", String(channels), "--steps", String(steps), "--ranks", String(ranks),
                       "--threads", String(threads), "--seed", String(seed)]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double], let multi = obj["images_per_s"] else {
            throw ValidationError("mpirun -np \(ranks) failed (status \(p.terminationStatus))")
        }
        if json {
            print("{\"model\": \"\(model)\", \"ranks\": \(ranks), \"single_images_per_s\": \(single), \"ranks_images_per_s\": \(multi), \"ratio\": \(multi / single)}")
        } else {
            print("\(model) global batch \(batch) size \(size), \(threads) threads in all: 1 process \(String(format: "%.1f", single)) images/s, "
                  + "\(ranks) ranks \(String(format: "%.1f", multi)) images/s (ratio \(String(format: "%.2f", multi / single)))")
        }
    }
}
