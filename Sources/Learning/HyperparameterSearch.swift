import Core
import Foundation
import Tensor

/// Hyperparameter search over a declared space: random search, or successive halving
/// (Jamieson & Talwalkar; the synchronous form of ASHA) where every trial first gets the
/// smallest budget (e.g. epochs), the best `1/eta` go on with `eta` times the budget, and so
/// on up to the largest budget.
///
/// Trials are run by a caller-supplied function, which for `phenoscope tune` starts a
/// separate `phenoscope train` process per trial, so a cluster scheduler can run them; a
/// trial continued to a larger budget is asked to resume from where it stopped. Sampling is
/// seeded: the same seed gives the same trials.
public struct HyperparameterSearch: Sendable {
    /// One dimension of the space.
    public enum Distribution: Sendable, Equatable {
        case uniform(Double, Double)
        case logUniform(Double, Double)
        case integer(Int, Int)
        case choice([String])

        func sample(_ rng: inout SeededRandom) -> String {
            switch self {
            case let .uniform(lo, hi): return Self.format(rng.uniformDouble(lo, hi))
            case let .logUniform(lo, hi): return Self.format(exp(rng.uniformDouble(log(lo), log(hi))))
            case let .integer(lo, hi): return String(lo + Int(rng.next() % UInt64(hi - lo + 1)))
            case let .choice(values): return values[Int(rng.next() % UInt64(values.count))]
            }
        }

        /// Six significant digits: enough for a learning rate, short in a config file.
        static func format(_ v: Double) -> String { String(format: "%.6g", v) }
    }

    public enum Strategy: String, Sendable {
        case random
        case successiveHalving = "successive_halving"
    }

    public enum Goal: String, Sendable { case max, min }

    /// Parameter (dotted config key) -> distribution, in a fixed order.
    public var space: [(key: String, distribution: Distribution)]
    public var strategy: Strategy = .successiveHalving
    public var goal: Goal = .max
    public var minBudget = 1
    public var maxBudget = 9
    public var eta = 3
    public var seed: UInt64 = 0

    public init(space: [(key: String, distribution: Distribution)]) { self.space = space }

    /// A trial's sampled values, parameter -> value as config text.
    public typealias Assignment = [String: String]

    /// What the caller's runner is asked to do: run trial `index` with `assignment` up to
    /// `budget`, resuming its earlier run when `resume` is true; it returns the metric.
    public struct Request: Sendable {
        public var index: Int
        public var assignment: Assignment
        public var budget: Int
        public var resume: Bool
    }

    /// One finished evaluation of a trial.
    public struct Record: Sendable, Equatable {
        public var index: Int
        public var assignment: Assignment
        public var budget: Int
        public var metric: Double
    }

    public struct Result: Sendable {
        public var records: [Record]
        /// The best trial at the largest budget it reached (ties: lower index).
        public var best: Record
    }

    /// The assignments of `trials` trials, in trial order.
    public func assignments(trials: Int) -> [Assignment] {
        (0..<trials).map { t in
            var rng = SeededRandom(seed: SeededRandom.derive(seed, t))
            var a: Assignment = [:]
            for (key, d) in space { a[key] = d.sample(&rng) }
            return a
        }
    }

    /// The budgets of the rungs: minBudget, minBudget*eta, ... capped at maxBudget.
    public var rungs: [Int] {
        guard strategy == .successiveHalving else { return [maxBudget] }
        var out = [max(1, minBudget)]
        while out.last! < maxBudget { out.append(min(maxBudget, out.last! * max(2, eta))) }
        return out
    }

    /// Runs the search. `run` is called for the requests of one rung at a time (they are
    /// independent, so it may run them in parallel) and returns their metrics in order.
    public func run(trials: Int, _ run: ([Request]) throws -> [Double]) throws -> Result {
        precondition(trials >= 1)
        let all = assignments(trials: trials)
        var alive = Array(0..<trials)
        var records: [Record] = []
        for (r, budget) in rungs.enumerated() {
            let requests = alive.map { Request(index: $0, assignment: all[$0], budget: budget, resume: r > 0) }
            let metrics = try run(requests)
            precondition(metrics.count == requests.count)
            let rung = zip(requests, metrics).map { Record(index: $0.index, assignment: $0.assignment, budget: budget, metric: $1) }
            records += rung
            let keep = max(1, alive.count / max(2, eta))
            alive = rung.sorted(by: better).prefix(keep).map(\.index).sorted()
        }
        let top = records.max { a, b in a.budget != b.budget ? a.budget < b.budget : better(b, a) }!
        return Result(records: records, best: top)
    }

    /// Whether `a` ranks before `b`: the better metric (NaN last), then the lower index.
    func better(_ a: Record, _ b: Record) -> Bool {
        if a.metric.isNaN != b.metric.isNaN { return b.metric.isNaN }
        if a.metric != b.metric { return goal == .max ? a.metric > b.metric : a.metric < b.metric }
        return a.index < b.index
    }
}
