import ArgumentParser
import Foundation
import Screen
import Tensor

/// `phenoscope run CONFIG.yaml`: the whole flow for one screen, resumable.
///
/// Reads the config (see `RunConfig`), writes the resolved config to `runs/<name>/config.yaml`,
/// then runs each stage whose outputs are missing or older than its inputs, and ends by
/// printing the headline figures and where the outputs are.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline for one screen from a YAML config (resumable)."
    )

    @Argument(help: "The run config (YAML). See config/default.yaml.")
    var config: String
    @Flag(help: "Run every stage even if its outputs are up to date.")
    var force = false
    @Flag(help: "Print nothing but errors and the final summary.")
    var quiet = false

    func run() throws {
        let configURL = URL(fileURLWithPath: config)
        let cfg = try RunConfig.load(configURL)
        let base = configURL.deletingLastPathComponent()
        func resolve(_ path: String) -> URL {
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardizedFileURL
        }
        let runDir = resolve(cfg.runsDir).appendingPathComponent(cfg.name)
        try AtomicFile.write(cfg.yaml(), to: runDir.appendingPathComponent("config.yaml"))
        let layout = RunLayout(root: runDir)
        let manifestURL = cfg.screen.manifest.isEmpty ? layout.syntheticManifest : resolve(cfg.screen.manifest)
        var stages: [Stage] = []
        stages.append(Stage(
            name: "catalog", inputs: [manifestURL], outputs: [layout.catalog],
            parameters: "plate_wells=\(cfg.screen.plateWells)\nmanifest=\(manifestURL.path)\n"
        ) {
            let manifest = try Manifest.load(manifestURL)
            let issues = manifest.validate(plateWells: cfg.screen.plateWells, checkFiles: true)
            if let first = issues.first {
                throw PipelineError(message: "\(manifestURL.path):\(first.line): \(first.field): \(first.message)"
                                    + (issues.count > 1 ? " (\(issues.count) problems; see `phenoscope manifest check`)" : ""))
            }
            try AtomicFile.write(to: layout.catalog) { tmp in try Catalog(url: tmp).load(manifest) }
        })
        let pipeline = Pipeline(runDirectory: runDir, force: force, quiet: quiet)
        try pipeline.run(stages)
        let counts = try Catalog(url: layout.catalog).counts()
        print("phenoscope run \(cfg.name): \(counts["site"] ?? 0) sites, \(counts["well"] ?? 0) wells, "
              + "\(counts["plate"] ?? 0) plates, \(counts["treatment"] ?? 0) treatments")
        print("outputs: \(runDir.path)")
    }
}

/// Where each stage of a run puts its files, relative to `runs/<name>/`.
struct RunLayout {
    var root: URL
    var syntheticScreen: URL { root.appendingPathComponent("screen") }
    var syntheticManifest: URL { syntheticScreen.appendingPathComponent("manifest.csv") }
    var catalog: URL { root.appendingPathComponent("catalog.sqlite") }
}
