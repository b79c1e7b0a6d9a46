import ArgumentParser
import Foundation
import Core
import Learning

/// `phenoscope train-segmenter CONFIG.yaml`: trains (or fine-tunes, with `init_from`) the
/// nucleus segmentation U-Net on a folder of annotated images and writes
/// `runs/<name>/` with the resolved config, split.csv, metrics.jsonl, TensorBoard events,
/// resumable checkpoints and the exported `model.safetensors` + `model.json`; prints the run
/// folder. `segment --method model --model RUN` then segments with it.
struct TrainSegmenterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-segmenter",
        abstract: "Train the nucleus segmentation network on annotated images (Data Science Bowl layout or label TIFFs).")

    @Argument(help: "Segmenter config YAML (README: Nucleus model).") var config: String
    @Flag(help: "Continue from the run folder's last checkpoint.") var resume = false
    @Option(help: "Run name (overrides the config's name).") var name: String?
    @Option(help: "Annotated images folder (overrides the config's data).") var data: String?
    @Option(help: "A further annotated folder trained on beside the data (repeatable; replaces the config's extra_data).") var extraData: [String] = []
    @Option(help: "Runs folder (overrides the config's runs_dir).") var runsDir: String?
    @Option(help: "Total optimizer steps (overrides the config's steps).") var steps: Int?
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        let configURL = URL(fileURLWithPath: config)
        var cfg = try SegmenterConfig.load(configURL)
        let base = configURL.deletingLastPathComponent()
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        func resolve(_ p: String, against dir: URL) -> URL { p.hasPrefix("/") ? URL(fileURLWithPath: p) : dir.appendingPathComponent(p) }
        if let name {
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { throw ValidationError("--name: '\(name)' must be a folder name") }
            cfg.name = name
        }
        if let steps {
            guard steps >= 1, steps >= cfg.warmupSteps else { throw ValidationError("--steps: \(steps); expected at least warmup_steps (\(cfg.warmupSteps)) and 1") }
            cfg.steps = steps
        }
        let dataURL = data.map { resolve($0, against: cwd) } ?? resolve(cfg.data, against: base)
        let extraURLs = extraData.isEmpty ? cfg.extraData.map { resolve($0, against: base) } : extraData.map { resolve($0, against: cwd) }
        cfg.extraData = extraURLs.map(\.path)
        let runsURL = runsDir.map { resolve($0, against: cwd) } ?? resolve(cfg.runsDir, against: base)
        let validationIDs = cfg.validationIds.isEmpty ? nil : resolve(cfg.validationIds, against: base)
        if !cfg.initFrom.isEmpty { cfg.initFrom = resolve(cfg.initFrom, against: base).path }
        let runDir = runsURL.appendingPathComponent(cfg.name)
        let trainer = SegmenterTrainer(config: cfg, runDirectory: runDir)
        let interactive = !quiet && isatty(STDERR_FILENO) == 1
        let start = Date()
        var lastDraw = Date.distantPast
        var firstStep: Int?
        trainer.log = { line in if !quiet { Log.info(line) } }
        trainer.progress = { step, total, loss, rate in
            if firstStep == nil { firstStep = step - 1 }
            guard interactive, Date().timeIntervalSince(lastDraw) > 0.5 || step == total else { return }
            lastDraw = Date()
            let done = Double(step - (firstStep ?? 0)), left = Double(total - step)
            let eta = Date().timeIntervalSince(start) / max(done, 1) * left
            let line = String(format: "\rstep %d/%d  loss %.4f  %.1f patches/s  %@ left \u{1B}[K", step, total, loss, rate,
                              ElapsedTime.text(eta))
            FileHandle.standardError.write(Data(line.utf8))
        }
        try trainer.run(data: dataURL, extraData: extraURLs, validationIDsURL: validationIDs, resume: resume)
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        print(runDir.path)
    }
}
