import Core
import Foundation
import Learning
import Screen

/// One `phenoscope run` of a config: resolves its paths, writes the resolved config into the
/// run folder, and runs the parts asked for, stage by stage, resumably (`Pipeline`). Front
/// ends pass in how to report (`RunReporter`); the library prints nothing.
public struct ScreenRun {
    /// Which stages one invocation runs.
    public enum Part: String, CaseIterable, Sendable { case all, prepare, plates, screen }

    public let config: RunConfig
    public let layout: RunLayout
    public var force = false
    public var reporter: any RunReporter
    /// The BBBC021 image and MoA tables, for the synthetic preset `bbbc021`.
    public var bbbc021Tables: URL?
    let base: URL

    /// Reads the config at `configURL`; relative paths in it are relative to its folder.
    public init(configURL: URL, reporter: any RunReporter = SilentReporter()) throws {
        self.init(config: try RunConfig.load(configURL), base: configURL.deletingLastPathComponent(), reporter: reporter)
    }

    /// A run of `config` whose relative paths are relative to the folder `base` (as if the
    /// config file were there): how `SeedRepeat` runs variants of one config.
    public init(config: RunConfig, base: URL, reporter: any RunReporter = SilentReporter()) {
        self.config = config
        self.base = base
        self.reporter = reporter
        layout = RunLayout(root: Self.resolve(config.runsDir, base: base).appendingPathComponent(config.name))
    }

    /// The folder relative config paths are resolved against.
    public var configFolder: URL { base }

    static func resolve(_ path: String, base: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardizedFileURL
    }

    /// The stage builders of this run.
    public var stages: RunStages {
        let base = base
        let resolve: (String) -> URL = { Self.resolve($0, base: base) }
        let manifest = config.screen.manifest.isEmpty ? layout.syntheticManifest : resolve(config.screen.manifest)
        var stages = RunStages(config: config, layout: layout, manifestURL: manifest, resolve: resolve, reporter: reporter)
        stages.bbbc021Tables = bbbc021Tables
        return stages
    }

    /// Runs `part` (with `.plates`, only `plates` when given); returns the stages that ran.
    @discardableResult
    public func run(_ part: Part = .all, plates only: [String] = []) throws -> [String] {
        try runRecorded(part, plates: only).stages.filter(\.ran).map(\.name)
    }

    /// Runs `part` as `run` does and writes its `RunSummary` (every stage's time and the
    /// memory after it) into the run folder; returns it.
    public func runRecorded(_ part: Part = .all, plates only: [String] = []) throws -> RunSummary {
        let started = Date()
        try AtomicFile.write(config.yaml(), to: layout.root.appendingPathComponent("config.yaml"))
        let stages = stages
        let pipeline = Pipeline(runDirectory: layout.root, force: force, reporter: reporter)
        var records: [StageRecord] = []
        if part == .all || part == .prepare {
            records += try pipeline.runRecorded(stages.prepareStages())
        }
        if part == .all || part == .plates {
            let manifest = try Manifest.load(stages.manifestURL)
            let plates = RunStages.plates(of: manifest)
            for p in only where !plates.contains(p) {
                throw PipelineError(message: "--plate \(p): not a plate of \(stages.manifestURL.path) (plates: \(plates.joined(separator: ", ")))")
            }
            for p in only.isEmpty ? plates : only { records += try pipeline.runRecorded(stages.plateStages(plate: p)) }
        }
        if part == .all || part == .screen {
            let plates = try RunStages.plates(listedIn: layout.plateList)
            records += try pipeline.runRecorded(stages.screenStages(plates: plates))
            if config.embedding.enabled { records += try pipeline.runRecorded(stages.embeddingStages(plates: plates)) }
        }
        let summary = RunSummary(name: config.name, part: part.rawValue, plates: part == .plates ? only : [], stages: records,
                                 wallSeconds: Date().timeIntervalSince(started), peakBytes: ProcessMemory.current().peakBytes)
        try summary.write(to: RunSummary.url(root: layout.root, part: part, plates: part == .plates ? only : []))
        return summary
    }

    /// The headline figures of a finished run, as lines for people.
    public func summary(seconds: Double) throws -> [String] {
        let cfg = config
        let e = try EvaluationHeadline.load(layout.evaluation), r = try EvaluationHeadline.load(layout.evaluationRaw)
        let counts = try Catalog(url: layout.catalog).counts()
        var lines = ["phenoscope run \(cfg.name): \(counts["site"] ?? 0) sites, \(counts["well"] ?? 0) wells, \(counts["plate"] ?? 0) plates, "
                     + "\(e.treatments ?? 0) treatments, \(e.moas ?? 0) MoAs (\(ElapsedTime.text(seconds)))"]
        lines.append("  normalized (\(cfg.profiles.normalize.rawValue)\(cfg.profiles.featureSelect ? ", feature selection" : "")"
                     + "\(cfg.profiles.spherize == .none ? "" : ", \(cfg.profiles.spherize.rawValue)")):  \(e.figures)")
        // Rows whose files an older run folder may lack are shown when present.
        func optional(_ label: String, _ dir: URL) {
            if let h = try? EvaluationHeadline.load(dir) { lines.append("  \(label):\(String(repeating: " ", count: max(1, 28 - label.count)))\(h.figures)") }
        }
        if cfg.profiles.featureSelect { optional("without feature selection", layout.evaluationUnselected) }
        lines.append("  raw well means:              \(r.figures)")
        if stages.evaluatesCeilings {
            optional(RunStages.oracleLabel, layout.evaluationOracle)
            if stages.measuresGroundTruthMasks { optional(RunStages.groundTruthMasksLabel, layout.evaluationGroundTruthMasks) }
        }
        if cfg.embedding.enabled {
            let what = cfg.embedding.model.isEmpty
                ? ((try? TrainConfig.load(stages.resolve(cfg.embedding.train))).map { "\($0.method.rawValue) \($0.arch)" } ?? "trained")
                : URL(fileURLWithPath: cfg.embedding.model).lastPathComponent
            lines.append("  learned embeddings (\(what)):  \(try EvaluationHeadline.load(layout.evaluation.appendingPathComponent("embedding")).figures)")
            if cfg.embedding.randomBaseline {
                lines.append("  same network, untrained:     \(try EvaluationHeadline.load(layout.evaluation.appendingPathComponent("embedding_random")).figures)")
            }
        }
        if e.nscInterval != nil {
            lines.append("  [lo, hi]: 95 % bootstrap interval over treatments (\(cfg.evaluation.bootstrap) resamples); overlapping intervals: no established difference")
        }
        lines.append("outputs: \(layout.root.path)  (evaluation/, profiles/, cells/, index/, catalog.sqlite)")
        return lines
    }
}
