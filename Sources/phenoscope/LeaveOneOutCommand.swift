import ArgumentParser
import Core
import Foundation
import Learning
import Screen
import Tensor

/// `phenoscope leave-one-out CONFIG.yaml`: leave-one-compound-out evaluation of a training
/// config (`CompoundHoldOut`): per compound a training run without it (every other compound
/// trains, no validation split), then its label predicted from the nearest other compound
/// profile; writes `<runs_dir>/<name>-loo/` with one run folder per compound,
/// `leave_one_out.csv` (one row per compound) and `leave_one_out.json` (accuracy, its 95 %
/// bootstrap interval over compounds, training time), and prints the summary line.
struct LeaveOneOutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave-one-out",
        abstract: "Leave-one-compound-out: train without each compound, predict its MoA by the nearest compound profile.")

    @Argument(help: "Training config YAML (README: Training); its label_column is the label predicted.") var config: String
    @Option(help: "Crop store folder (overrides the config's crops).") var crops: String?
    @Option(help: "Runs folder (overrides the config's runs_dir).") var runsDir: String?
    @Option(help: "Comma-separated compounds to hold out (default: every labelled non-control compound).") var compounds: String?
    @Option(help: "Hold out only this many compounds, spread over the labels (round-robin by label).") var limit: Int?
    @Option(help: "Label of the control compound, left out of queries and references.") var control = "DMSO"
    @Option(help: "Cells per compound embedded for its profile.") var cellsPerCompound = 256
    @Option(help: "Bootstrap resamples for the accuracy's 95% interval.") var bootstrap = 2000
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        guard cellsPerCompound >= 1 else { throw ValidationError("--cells-per-compound must be at least 1, got \(cellsPerCompound)") }
        guard bootstrap >= 1 else { throw ValidationError("--bootstrap must be at least 1, got \(bootstrap)") }
    }

    func run() throws {
        let configURL = URL(fileURLWithPath: config)
        var cfg = try TrainConfig.load(configURL)
        let base = configURL.deletingLastPathComponent()
        func resolve(_ p: String) -> URL { p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p) }
        let cwd = FileManager.default.currentDirectoryPath
        if let crops { cfg.crops = crops.hasPrefix("/") ? crops : cwd + "/" + crops }
        if let runsDir { cfg.runsDir = runsDir.hasPrefix("/") ? runsDir : cwd + "/" + runsDir }
        if cfg.threads > 0 { Threads.setCount(cfg.threads) }
        let data = try CropDataset.open(resolve(cfg.crops), labelColumn: cfg.labelColumn)
        let holdOut = CompoundHoldOut(config: cfg, data: data, control: control, cellsPerCompound: cellsPerCompound)
        let eligible = try holdOut.queryCompounds()
        var chosen = eligible
        if let compounds {
            chosen = compounds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if let unknown = chosen.first(where: { !eligible.contains($0) }) {
                throw ValidationError("--compounds: '\(unknown)' is not a labelled non-control compound; have \(eligible.joined(separator: ", "))")
            }
        }
        if let limit { chosen = CompoundHoldOut.spread(chosen, labels: try holdOut.compoundLabels(), count: limit) }
        let out = resolve(cfg.runsDir).appendingPathComponent(cfg.name + "-loo")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let interactive = !quiet && isatty(STDERR_FILENO) == 1
        var outcomes: [CompoundHoldOut.Outcome] = []
        for (n, compound) in chosen.enumerated() {
            let folder = "run-" + compound.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            let runDir = out.appendingPathComponent(folder)
            try? FileManager.default.removeItem(at: runDir)
            let outcome = try holdOut.evaluate(compound, runDirectory: runDir) { epoch, step, steps, loss, _ in
                guard interactive else { return }
                let line = String(format: "\rleave-one-out %d/%d %@: epoch %d/%d step %d/%d loss %.4f\u{1B}[K",
                                  n + 1, chosen.count, compound, epoch + 1, cfg.epochs, step + 1, steps, loss)
                FileHandle.standardError.write(Data(line.utf8))
            }
            outcomes.append(outcome)
            Log.info("\(interactive ? "\r\u{1B}[K" : "")leave-one-out \(n + 1)/\(chosen.count): \(compound) (\(outcome.label)) -> "
                + "\(outcome.nearestCompound) (\(outcome.predictedLabel)) \(outcome.hit ? "hit" : "miss") in \(ElapsedTime.text(outcome.trainSeconds))", quiet: quiet)
        }
        let summary = CompoundHoldOut.Summary(outcomes: outcomes, resamples: bootstrap, seed: UInt64(cfg.seed))
        let table = CSVTable(header: ["compound", "label", "nearest_compound", "predicted_label", "hit", "similarity", "train_seconds"],
                             rows: outcomes.map { [$0.compound, $0.label, $0.nearestCompound, $0.predictedLabel, $0.hit ? "1" : "0",
                                                   String($0.similarity), String(format: "%.1f", $0.trainSeconds)] })
        try table.write(to: out.appendingPathComponent("leave_one_out.csv"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(summary), to: out.appendingPathComponent("leave_one_out.json"))
        print(String(format: "leave-one-compound-out top-hit accuracy %d/%d = %.3f (95%% bootstrap interval %.3f-%.3f), training %@: %@",
                     summary.hits, summary.compounds, summary.accuracy, summary.intervalLow, summary.intervalHigh,
                     ElapsedTime.text(summary.totalTrainSeconds), out.path))
    }
}
