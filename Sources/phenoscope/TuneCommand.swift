import ArgumentParser
import Core
import Foundation
import Learning
import Tensor
import Yams

/// `phenoscope tune TUNE.yaml --trials N`: hyperparameter search over a training config.
///
/// TUNE.yaml names a base config (normally a `phenoscope train` config), the search space
/// (dotted config keys with `uniform`, `log_uniform`, `int` or `choice`), the metric to read
/// from each trial's `metrics.jsonl`, and the strategy: `random` or `successive_halving`
/// over a budget key (e.g. `epochs`). Each trial is a separate process (`command`, by
/// default `phenoscope train CONFIG`, with `--resume` when a trial continues to a larger
/// budget), so a cluster scheduler can run them; `--parallel` runs several at once here.
/// Every trial lives in `runs/<name>/trial-NNN/` (its config, log and the trainer's own run
/// files); `trials.csv` records every evaluation, `best.yaml` is the best trial's config,
/// and `tune.json` the summary.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Random search or successive halving over a training config; trials run as separate processes."
    )

    @Argument(help: "The tune config (YAML): base_config, space, metric, strategy, budgets.")
    var config: String
    @Option(help: "Number of trials (sampled configurations).")
    var trials = 9
    @Option(help: "Trials run at once on this machine.")
    var parallel = 1
    @Flag(help: "Print nothing but errors and the final summary.")
    var quiet = false

    /// The tune file's keys (see the type's doc); any other key is an error naming it.
    struct Spec {
        var name: String
        var runsDir = "runs"
        var baseConfig: String
        var command: [String]?
        var resumeFlag = "--resume"
        var metric: String
        var goal = "max"
        var budgetKey = "epochs"
        var strategy = "successive_halving"
        var minBudget = 1
        var maxBudget = 9
        var eta = 3
        var seed: UInt64 = 0
        var space: [(String, String, [Node])] = []

        static let keys: Set = ["name", "runs_dir", "base_config", "command", "resume_flag", "metric", "goal", "budget_key",
                                "strategy", "min_budget", "max_budget", "eta", "seed", "space"]

        init(yaml: String, file: String) throws {
            func fail(_ key: String, _ message: String) -> TuneError { TuneError("\(file): \(key): \(message)") }
            guard let root = try Yams.compose(yaml: yaml), let m = root.mapping else { throw TuneError("\(file): expected a YAML mapping") }
            for k in m.keys { guard let key = k.string, Self.keys.contains(key) else { throw fail(k.string ?? "?", "unknown key") } }
            func string(_ key: String) throws -> String? {
                guard let n = m[key] else { return nil }
                guard let s = n.string else { throw fail(key, "expected a string") }
                return s
            }
            func int(_ key: String) throws -> Int? {
                guard let n = m[key] else { return nil }
                guard let v = n.int else { throw fail(key, "expected an integer") }
                return v
            }
            guard let name = try string("name"), !name.isEmpty else { throw fail("name", "required") }
            guard let baseConfig = try string("base_config") else { throw fail("base_config", "required") }
            guard let metric = try string("metric") else { throw fail("metric", "required (a key of the trials' metrics.jsonl)") }
            self.name = name; self.baseConfig = baseConfig; self.metric = metric
            runsDir = try string("runs_dir") ?? runsDir
            resumeFlag = try string("resume_flag") ?? resumeFlag
            goal = try string("goal") ?? goal
            budgetKey = try string("budget_key") ?? budgetKey
            strategy = try string("strategy") ?? strategy
            minBudget = try int("min_budget") ?? minBudget
            maxBudget = try int("max_budget") ?? maxBudget
            eta = try int("eta") ?? eta
            seed = UInt64(try int("seed") ?? 0)
            if let c = m["command"] {
                guard let seq = c.sequence, !seq.isEmpty else { throw fail("command", "expected a non-empty list of strings") }
                command = try seq.map { guard let s = $0.string else { throw fail("command", "expected strings") }; return s }
            }
            guard let sp = m["space"]?.mapping, !sp.isEmpty else { throw fail("space", "required: a mapping of config keys to distributions") }
            for (k, v) in sp {
                guard let key = k.string, let d = v.mapping, d.count == 1, let kind = d.keys.first?.string, let values = d.values.first?.sequence else {
                    throw fail("space.\(k.string ?? "?")", "expected {uniform|log_uniform|int|choice: [...]}")
                }
                space.append((key, kind, Array(values)))
            }
        }
    }

    func run() throws {
        do { try tune() } catch let e as ExitCode { throw e } catch {
            FileHandle.standardError.write(Data("phenoscope tune: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    func tune() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        let url = URL(fileURLWithPath: config)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw TuneError("\(config): cannot read the file") }
        let spec = try Spec(yaml: text, file: config)
        let base = url.deletingLastPathComponent()
        func resolve(_ p: String) -> URL { p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p).standardizedFileURL }
        let baseConfig = resolve(spec.baseConfig)
        guard let baseText = try? String(contentsOf: baseConfig, encoding: .utf8), let baseNode = try Yams.compose(yaml: baseText) else {
            throw TuneError("\(config): base_config: cannot read \(baseConfig.path)")
        }
        var search = HyperparameterSearch(space: try spec.space.map { key, kind, values in
            (key: key, distribution: try Self.distribution(kind, values, key: "\(config): space.\(key)"))
        })
        guard let strategy = HyperparameterSearch.Strategy(rawValue: spec.strategy) else {
            throw TuneError("\(config): strategy: '\(spec.strategy)': expected random or successive_halving")
        }
        guard let goal = HyperparameterSearch.Goal(rawValue: spec.goal) else {
            throw TuneError("\(config): goal: '\(spec.goal)': expected max or min")
        }
        search.strategy = strategy
        search.goal = goal
        search.minBudget = spec.minBudget
        search.maxBudget = spec.maxBudget
        search.eta = spec.eta
        search.seed = spec.seed
        guard search.minBudget >= 1, search.maxBudget >= search.minBudget else {
            throw TuneError("\(config): min_budget/max_budget: expected 1 <= min_budget <= max_budget")
        }
        guard search.eta >= 2 else { throw TuneError("\(config): eta: expected at least 2") }
        let budgetKey = spec.budgetKey
        let runDir = resolve(spec.runsDir).appendingPathComponent(spec.name)
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        let command = spec.command ?? [CommandLine.arguments[0], "train", "{config}"]
        let resumeFlag = spec.resumeFlag

        let progress = ProgressLine("trials", total: search.rungs.count == 1 ? trials : Self.evaluations(search, trials: trials), quiet: quiet)
        let result = try search.run(trials: trials) { requests in
            let metrics = UnsafeMutableBufferPointer<Result<Double, Error>?>.allocate(capacity: requests.count)
            defer { metrics.deinitialize().deallocate() }
            metrics.initialize(repeating: nil)
            DispatchQueue.concurrentPerform(iterations: min(parallel, requests.count)) { worker in
                for i in stride(from: worker, to: requests.count, by: parallel) {
                    metrics[i] = Result {
                        try runTrial(requests[i], base: baseNode, baseConfig: baseConfig, budgetKey: budgetKey, runDir: runDir,
                                     command: command, resumeFlag: resumeFlag, metric: spec.metric)
                    }
                    progress.advance()
                }
            }
            return try metrics.map { try $0!.get() }
        }
        progress.finish()

        var table = "trial,budget,\(spec.metric)," + search.space.map(\.key).joined(separator: ",") + "\n"
        for r in result.records {
            table += "\(r.index),\(r.budget),\(r.metric)," + search.space.map { r.assignment[$0.key] ?? "" }.joined(separator: ",") + "\n"
        }
        try AtomicFile.write(table, to: runDir.appendingPathComponent("trials.csv"))
        let best = result.best
        try AtomicFile.write(try Self.trialConfig(baseNode, assignment: best.assignment, budgetKey: budgetKey, budget: best.budget,
                                                  name: nil, runsDir: nil), to: runDir.appendingPathComponent("best.yaml"))
        let summary: [String: Any] = ["best_trial": best.index, "best_budget": best.budget, "best_metric": best.metric,
                                      "metric": spec.metric, "goal": goal.rawValue, "strategy": strategy.rawValue,
                                      "trials": trials, "evaluations": result.records.count, "best_assignment": best.assignment]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted]),
                             to: runDir.appendingPathComponent("tune.json"))
        print("phenoscope tune \(spec.name): best trial \(best.index) (\(spec.metric) \(best.metric) at \(budgetKey) \(best.budget)): "
              + search.space.map { "\($0.key)=\(best.assignment[$0.key]!)" }.joined(separator: " "))
        print("outputs: \(runDir.path)  (trials.csv, best.yaml, tune.json, trial-NNN/)")
    }

    static func evaluations(_ s: HyperparameterSearch, trials: Int) -> Int {
        var alive = trials, total = 0
        for _ in s.rungs { total += alive; alive = max(1, alive / max(2, s.eta)) }
        return total
    }

    /// One trial at one budget: write its config, run the command, read the metric.
    func runTrial(_ r: HyperparameterSearch.Request, base: Node, baseConfig: URL, budgetKey: String, runDir: URL,
                  command: [String], resumeFlag: String, metric: String) throws -> Double {
        let name = String(format: "trial-%03d", r.index)
        let trialDir = runDir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: trialDir, withIntermediateDirectories: true)
        // Beside the base config, so paths in it that are relative to it still resolve.
        let configURL = baseConfig.deletingLastPathComponent()
            .appendingPathComponent(".\(baseConfig.deletingPathExtension().lastPathComponent).\(runDir.lastPathComponent).\(name).yaml")
        let yaml = try Self.trialConfig(base, assignment: r.assignment, budgetKey: budgetKey, budget: r.budget,
                                        name: name, runsDir: runDir.path)
        try AtomicFile.write(yaml, to: configURL)
        try AtomicFile.write(yaml, to: trialDir.appendingPathComponent("config.yaml"))
        defer { try? FileManager.default.removeItem(at: configURL) }
        var args = command.map { $0.replacingOccurrences(of: "{config}", with: configURL.path) }
        if r.resume { args.append(resumeFlag) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: args[0].contains("/") ? args[0] : "/usr/bin/env")
        process.arguments = args[0].contains("/") ? Array(args.dropFirst()) : args
        let log = trialDir.appendingPathComponent("log.txt")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        guard process.terminationStatus == 0 else {
            throw TuneError("\(name) (budget \(r.budget)) exited with status \(process.terminationStatus); see \(log.path)")
        }
        return try Self.lastMetric(metric, in: trialDir.appendingPathComponent("metrics.jsonl"))
    }

    /// The base config with the trial's values, budget and run location set (dotted keys
    /// reach into nested mappings, which are created when missing).
    static func trialConfig(_ base: Node, assignment: [String: String], budgetKey: String, budget: Int,
                            name: String?, runsDir: String?) throws -> String {
        var node = base
        for (key, value) in assignment.sorted(by: { $0.key < $1.key }) { set(&node, path: key.split(separator: ".").map(String.init), to: value) }
        set(&node, path: budgetKey.split(separator: ".").map(String.init), to: String(budget))
        if let name { set(&node, path: ["name"], to: name) }
        if let runsDir { set(&node, path: ["runs_dir"], to: runsDir) }
        return try Yams.serialize(node: node)
    }

    static func set(_ node: inout Node, path: [String], to value: String) {
        guard let head = path.first else { node = Node(value); return }
        var mapping = node.mapping ?? Node.Mapping([])
        var child = mapping[Node(head)] ?? Node.mapping(Node.Mapping([]))
        set(&child, path: Array(path.dropFirst()), to: value)
        mapping[Node(head)] = child
        node = .mapping(mapping)
    }

    /// The value of `metric` on the last line of a metrics.jsonl that has it.
    static func lastMetric(_ metric: String, in url: URL) throws -> Double {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TuneError("\(url.path): missing; the trial command must write metrics.jsonl in runs_dir/name")
        }
        for line in text.split(separator: "\n").reversed() {
            if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let v = obj[metric] as? Double {
                return v
            }
        }
        throw TuneError("\(url.path): no line has the metric '\(metric)'")
    }

    static func distribution(_ kind: String, _ values: [Node], key: String) throws -> HyperparameterSearch.Distribution {
        func numbers() throws -> (Double, Double) {
            guard values.count == 2, let a = values[0].float, let b = values[1].float, a < b else {
                throw TuneError("\(key).\(kind): expected [low, high] with low < high")
            }
            return (a, b)
        }
        switch kind {
        case "uniform": let (a, b) = try numbers(); return .uniform(a, b)
        case "log_uniform":
            let (a, b) = try numbers()
            guard a > 0 else { throw TuneError("\(key).log_uniform: expected a positive low bound") }
            return .logUniform(a, b)
        case "int":
            guard values.count == 2, let a = values[0].int, let b = values[1].int, a <= b else {
                throw TuneError("\(key).int: expected [low, high] integers with low <= high")
            }
            return .integer(a, b)
        case "choice":
            let v = values.compactMap(\.string)
            guard !v.isEmpty, v.count == values.count else { throw TuneError("\(key).choice: expected a non-empty list of scalars") }
            return .choice(v)
        default: throw TuneError("\(key): unknown distribution '\(kind)' (expected uniform, log_uniform, int or choice)")
        }
    }
}

/// A tune config or trial problem, printed as one line.
struct TuneError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
