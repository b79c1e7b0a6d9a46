import Core
import Foundation
import Learning

/// `phenoscope run CONFIG --seeds N`: one run config repeated over N seeds, with each
/// headline figure reported as mean and standard deviation over the seeds.
///
/// Seed k (0-based) is the config with the evaluation seed (mAP nulls, bootstrap) and, when a
/// model is trained, the training seed (`embedding.train_seed`, else the train config's)
/// advanced by k. Seed 0 is the config's own run folder; seed k > 0 runs in
/// `<name>-seed<k>`. The screen is the same for every seed (the synthetic screen's seed is
/// not varied: the question is how much training and evaluation move the figures on one
/// screen), so the stages before the seed matters (screen, catalog, per-plate QC,
/// segmentation, features and crops, collect) are not recomputed: their files are hard
/// links to seed 0's, which later stages replace atomically rather than modify.
///
/// Standard deviations are sample ones (ddof 1; 0 for one seed). A figure computed without
/// randomness (classical profiles) has sd 0 by construction: its uncertainty is the
/// bootstrap interval over treatments, which each seed's row keeps.
public struct SeedRepeat {
    public var run: ScreenRun
    public var seeds: Int

    public init(run: ScreenRun, seeds: Int) throws {
        guard seeds >= 1 else { throw PipelineError(message: "--seeds: expected at least 1") }
        self.run = run
        self.seeds = seeds
    }

    /// Mean and sample standard deviation of one figure over the seeds that have it.
    public struct Spread: Codable, Equatable, Sendable {
        public var mean: Double?
        public var sd: Double?
        public var n: Int

        public init(_ values: [Double?]) {
            let v = values.compactMap { $0 }
            n = v.count
            mean = v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
            if let m = mean {
                sd = v.count < 2 ? 0 : (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
            }
        }

        /// `0.486 ± 0.012`, or `n/a`.
        public var text: String {
            guard let mean, let sd else { return "n/a" }
            return String(format: "%.3f ± %.3f", mean, sd)
        }
    }

    /// One kind of profile (classical normalized, oracle, learned ...) over the seeds.
    public struct Row: Codable, Equatable, Sendable {
        public var label: String
        public var nsc: Spread
        public var nscb: Spread
        public var mapMoA: Spread
        /// Each seed's figures and bootstrap intervals, in seed order (nil: not evaluated).
        public var perSeed: [EvaluationHeadline?]
        enum CodingKeys: String, CodingKey { case label, nsc, nscb, mapMoA = "map_moa", perSeed = "per_seed" }
    }

    /// What `run()` returns and writes (`<run folder>/seeds.json`).
    public struct Summary: Codable, Equatable, Sendable {
        public var config: String
        public var seeds: Int
        public var runFolders: [String]
        public var rows: [Row]
        enum CodingKeys: String, CodingKey { case config, seeds, runFolders = "run_folders", rows }

        /// A plain-text table, one line per row.
        public var text: String {
            var lines = ["\(config): mean ± sd over \(seeds) seed\(seeds == 1 ? "" : "s") (sample sd)"]
            let width = max(28, (rows.map(\.label.count).max() ?? 0) + 2)
            for r in rows {
                let pad = String(repeating: " ", count: max(1, width - r.label.count))
                lines.append("  \(r.label):\(pad)NSC \(r.nsc.text)  NSCB \(r.nscb.text)  mAP \(r.mapMoA.text)")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// The config of seed `k`.
    func config(seed k: Int) throws -> RunConfig {
        var c = run.config
        guard k > 0 else { return c }
        c.name = "\(c.name)-seed\(k)"
        c.evaluation.seed += k
        if c.embedding.enabled && c.embedding.model.isEmpty {
            let base = c.embedding.trainSeed >= 0 ? c.embedding.trainSeed
                : try TrainConfig.load(run.stages.resolve(c.embedding.train)).seed
            c.embedding.trainSeed = base + k
        }
        return c
    }

    /// Runs every seed (each resumable like a plain run) and writes `seeds.json` and
    /// `seeds.txt` into seed 0's run folder.
    public func run(force: Bool = false) throws -> Summary {
        var folders: [RunLayout] = []
        for k in 0..<seeds {
            var r = ScreenRun(config: try config(seed: k), base: run.configFolder, reporter: run.reporter)
            r.force = force
            r.bbbc021Tables = run.bbbc021Tables
            run.reporter.log("seed \(k + 1) of \(seeds): \(r.layout.root.path)")
            if k > 0 { try Self.share(from: folders[0], to: r.layout) }
            try r.run()
            folders.append(r.layout)
        }
        var kinds: [(String, (RunLayout) -> URL)] = [
            ("classical, normalized", { $0.evaluation }),
            ("without feature selection", { $0.evaluationUnselected }),
            ("raw well means", { $0.evaluationRaw }),
            (RunStages.oracleLabel, { $0.evaluationOracle }),
            (RunStages.groundTruthMasksLabel, { $0.evaluationGroundTruthMasks }),
        ]
        if run.config.embedding.enabled {
            kinds.append(("learned embeddings", { $0.evaluation.appendingPathComponent("embedding") }))
            kinds.append(("same network, untrained", { $0.evaluation.appendingPathComponent("embedding_random") }))
        }
        var rows: [Row] = []
        for (label, dir) in kinds {
            let per = folders.map { try? EvaluationHeadline.load(dir($0)) }
            guard per.contains(where: { $0 != nil }) else { continue }
            rows.append(Row(label: label, nsc: Spread(per.map { $0?.nsc }), nscb: Spread(per.map { $0?.nscb }),
                            mapMoA: Spread(per.map { $0?.mapMoA }), perSeed: per))
        }
        let summary = Summary(config: run.config.name, seeds: seeds, runFolders: folders.map(\.root.path), rows: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n",
                             to: folders[0].root.appendingPathComponent("seeds.json"))
        try AtomicFile.write(summary.text + "\n", to: folders[0].root.appendingPathComponent("seeds.txt"))
        return summary
    }

    /// Hard-links seed 0's seed-independent files and stage stamps into `target`.
    static func share(from source: RunLayout, to target: RunLayout) throws {
        let fm = FileManager.default
        let shared = ["screen", "plates", "cells", "qc", "crops", "plates.txt", "catalog.sqlite", "profiles/wells.csv"]
        for path in shared {
            try linkTree(source.root.appendingPathComponent(path), target.root.appendingPathComponent(path))
        }
        let stamps = source.root.appendingPathComponent("stages")
        for name in (try? fm.contentsOfDirectory(atPath: stamps.path)) ?? [] {
            let stage = String(name.dropLast(".done".count))
            guard stage.contains("@") || ["screen", "catalog", "collect", "crops"].contains(stage) else { continue }
            try linkTree(stamps.appendingPathComponent(name), target.root.appendingPathComponent("stages/\(name)"))
        }
    }

    /// Hard-links a file, or every file under a folder, replacing what is at `to`.
    static func linkTree(_ from: URL, _ to: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: from.path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue {
            try fm.createDirectory(at: to, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: from.path) {
                try linkTree(from.appendingPathComponent(name), to.appendingPathComponent(name))
            }
        } else {
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? fm.removeItem(at: to)
            try fm.linkItem(at: from, to: to)
        }
    }
}
