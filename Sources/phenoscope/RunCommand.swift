import ArgumentParser
import Foundation
import Workflow

/// `phenoscope run CONFIG.yaml`: the whole flow for one screen, resumable.
///
/// A thin command over Workflow's `ScreenRun`: it reads the config (see `RunConfig`), writes
/// the resolved config to `runs/<name>/config.yaml`, runs each stage whose outputs are
/// missing or older than its inputs (or whose parameters changed), and prints the headline
/// figures. `--only` and `--plate` run one part (prepare, each plate, screen) so a workflow
/// engine can schedule plates as independent jobs (see `RunStages` and workflow/Snakefile).
/// `--seeds N` repeats the run's training and evaluation over N seeds on the same screen
/// (`SeedRepeat`) and prints mean ± sd per figure, also written to `seeds.json`/`seeds.txt`
/// in the run folder.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline for one screen from a YAML config (resumable)."
    )

    @Argument(help: "The run config (YAML). See config/default.yaml.")
    var config: String
    @Option(help: "Run only this part: all, prepare (screen, catalog), plates (per-plate stages) or screen (profiles, evaluation).")
    var only: ScreenRun.Part = .all
    @Option(help: "With --only plates: this plate only (repeatable). Default: every plate of the manifest.")
    var plate: [String] = []
    @Flag(help: "Print the run directory and exit.")
    var showRunDirectory = false
    @Flag(help: "Run every stage even if its outputs are up to date.")
    var force = false
    @Flag(help: "Print nothing but errors and the final summary.")
    var quiet = false
    @Option(parsing: .unconditional, help: "Repeat training and evaluation over this many seeds (seed k in runs/<name>-seed<k>) and report mean ± sd per figure.")
    var seeds: Int?

    func run() throws {
        var run = try ScreenRun(configURL: URL(fileURLWithPath: config), reporter: ConsoleReporter(quiet: quiet))
        if showRunDirectory { print(run.layout.root.path); return }
        if !plate.isEmpty && only != .plates { throw ValidationError("--plate goes with --only plates") }
        run.force = force
        let started = Date()
        if let seeds {
            guard only == .all else { throw ValidationError("--seeds runs every part; leave out --only") }
            let summary = try SeedRepeat(run: run, seeds: seeds).run(force: force)
            try run.summary(seconds: Date().timeIntervalSince(started)).forEach { print($0) }
            print(summary.text)
            print("seeds: \(run.layout.root.appendingPathComponent("seeds.json").path)")
            return
        }
        let recorded = try run.runRecorded(only, plates: plate)
        if only == .all || only == .screen {
            try run.summary(seconds: Date().timeIntervalSince(started)).forEach { print($0) }
        }
        print("memory: \(recorded.memoryLine); per stage in \(RunSummary.url(root: run.layout.root, part: only, plates: plate).path)")
    }
}

extension ScreenRun.Part: ExpressibleByArgument {}
