import Core
import ArgumentParser
import Foundation
import Learning
import Tensor

/// `phenoscope train CONFIG.yaml`: trains a backbone on a crop store (supervised, SimCLR or
/// DINO, per the config) and writes `runs/<name>/` with the resolved config, metrics.jsonl,
/// TensorBoard events, checkpoints and `backbone.safetensors`; prints the run folder.
/// Under `mpirun -np N` it trains data-parallel (config `batch_size` is the global batch).
/// `--list-compounds` and `--held-out` let a workflow fan out leave-one-compound-out runs.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a CNN or ViT on single-cell crops (supervised, SimCLR or DINO).")

    @Argument(help: "Training config YAML (README: Training).") var config: String
    @Flag(help: "Continue from the run folder's last checkpoint.") var resume = false
    @Option(help: "Run name (overrides the config's name).") var name: String?
    @Option(help: "Leave-one-compound-out: exclude this compound from training (run name gets -loo-<compound>).") var heldOut: String?
    @Flag(help: "Print the compounds of the crop store, one a line, and exit.") var listCompounds = false
    @Option(help: "Crop store folder (overrides the config's crops).") var crops: String?
    @Option(help: "Runs folder (overrides the config's runs_dir).") var runsDir: String?
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        let configURL = URL(fileURLWithPath: config)
        var cfg = try TrainConfig.load(configURL)
        let base = configURL.deletingLastPathComponent()
        func resolve(_ p: String) -> URL { p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p) }
        if let name { cfg.name = name }
        let cwd = FileManager.default.currentDirectoryPath
        if let crops { cfg.crops = crops.hasPrefix("/") ? crops : cwd + "/" + crops }
        if let runsDir { cfg.runsDir = runsDir.hasPrefix("/") ? runsDir : cwd + "/" + runsDir }
        if !cfg.initFrom.isEmpty { cfg.initFrom = resolve(cfg.initFrom).path }
        if let heldOut {
            cfg.heldOutCompound = heldOut
            if name == nil { cfg.name += "-loo-" + heldOut.map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined() }
        }
        let communicator = try Communicator.world()
        if cfg.threads > 0 { Threads.setCount(cfg.threads) }
        let data = try CropDataset.open(resolve(cfg.crops), labelColumn: cfg.labelColumn)
        if listCompounds {
            for c in Array(Set(data.compounds)).sorted() where !c.isEmpty { print(c) }
            return
        }
        let runDir = resolve(cfg.runsDir).appendingPathComponent(cfg.name)
        if !resume, communicator.isRoot, FileManager.default.fileExists(atPath: runDir.appendingPathComponent("checkpoint.json").path) {
            throw ValidationError("\(runDir.path) already holds a run; use --resume or another --name")
        }
        let trainer = try Trainer(config: cfg, data: data, runDirectory: runDir, communicator: communicator)
        if communicator.isRoot {
            for note in trainer.initNotes { FileHandle.standardError.write(Data("init_from \(cfg.initFrom): \(note)\n".utf8)) }
        }
        let interactive = !quiet && isatty(STDERR_FILENO) == 1
        let start = Date()
        var lastDraw = Date.distantPast
        trainer.progress = { epoch, step, steps, loss, rate in
            guard interactive, Date().timeIntervalSince(lastDraw) > 0.2 || step + 1 == steps else { return }
            lastDraw = Date()
            let done = Double(epoch * steps + step + 1), total = Double(cfg.epochs * steps)
            let elapsed = Date().timeIntervalSince(start)
            let eta = elapsed / done * (total - done)
            let line = String(format: "\repoch %d/%d step %d/%d  loss %.4f  %.1f cells/s  %@ left \u{1B}[K",
                              epoch + 1, cfg.epochs, step + 1, steps, loss, rate, ElapsedTime.text(eta))
            FileHandle.standardError.write(Data(line.utf8))
        }
        try trainer.run(resume: resume)
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        if trainer.stoppedForBudget, !quiet, communicator.isRoot {
            FileHandle.standardError.write(Data(String(format: "stopped at the budget after %.0f CPU seconds (budget: cpu_seconds %g, wall_seconds %g)\n",
                                                       trainer.cpuSeconds, cfg.budget.cpuSeconds, cfg.budget.wallSeconds).utf8))
        }
        if communicator.isRoot { print(runDir.path) }
    }
}
