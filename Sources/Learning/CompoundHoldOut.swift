import Core
import Foundation
import Tensor

/// Leave-one-compound-out evaluation of a training config, reported as AWS Bioimage Search
/// reports BBBC021: train on every compound but one (no validation split), embed the cells
/// of every compound with the trained backbone, average each compound's L2-normalized cell
/// embeddings into its profile, and predict the held-out compound's label (MoA) as the
/// label of the most cosine-similar other compound profile (compound-level top-hit
/// accuracy). Repeated per compound, the hit rate gets a percentile bootstrap interval over
/// compounds. Compounds whose label is empty or the control's are neither queries nor
/// references (NSC likewise leaves DMSO out).
public struct CompoundHoldOut {
    public let config: TrainConfig
    public let data: CropDataset
    /// Label of the control compound (excluded), e.g. DMSO.
    public let control: String
    /// Cells per compound embedded for its profile (evenly spaced through its cells).
    public let cellsPerCompound: Int

    /// One held-out compound: its label, the nearest other compound and its label.
    public struct Outcome: Codable, Equatable, Sendable {
        public var compound: String
        public var label: String
        public var nearestCompound: String
        public var predictedLabel: String
        public var hit: Bool
        public var similarity: Double
        public var trainSeconds: Double
        enum CodingKeys: String, CodingKey {
            case compound, label, hit, similarity, nearestCompound = "nearest_compound", predictedLabel = "predicted_label",
                 trainSeconds = "train_seconds"
        }
    }

    /// Every outcome with the hit rate and its bootstrap interval.
    public struct Summary: Codable, Equatable, Sendable {
        public var compounds: Int
        public var hits: Int
        public var accuracy: Double
        /// 95 % percentile bootstrap interval of the accuracy over compounds.
        public var intervalLow: Double
        public var intervalHigh: Double
        public var bootstrapResamples: Int
        public var totalTrainSeconds: Double
        public var outcomes: [Outcome]
        enum CodingKeys: String, CodingKey {
            case compounds, hits, accuracy, outcomes, intervalLow = "interval_low", intervalHigh = "interval_high",
                 bootstrapResamples = "bootstrap_resamples", totalTrainSeconds = "total_train_seconds"
        }

        public init(outcomes: [Outcome], resamples: Int, seed: UInt64) {
            self.outcomes = outcomes
            compounds = outcomes.count
            hits = outcomes.filter(\.hit).count
            accuracy = outcomes.isEmpty ? .nan : Double(hits) / Double(outcomes.count)
            (intervalLow, intervalHigh) = CompoundHoldOut.bootstrapInterval(outcomes.map(\.hit), resamples: resamples, seed: seed)
            bootstrapResamples = resamples
            totalTrainSeconds = outcomes.reduce(0) { $0 + $1.trainSeconds }
        }
    }

    public struct HoldOutError: Error, CustomStringConvertible { public let description: String }

    public init(config: TrainConfig, data: CropDataset, control: String = "DMSO", cellsPerCompound: Int = 256) {
        var c = config
        c.validationFraction = 0   // every compound but the held-out one trains
        self.config = c
        self.data = data
        self.control = control
        self.cellsPerCompound = max(1, cellsPerCompound)
    }

    /// Each compound's label; an error names a compound whose cells carry two labels.
    public func compoundLabels() throws -> [String: String] {
        var labels: [String: String] = [:]
        for i in 0..<data.count where !data.compounds[i].isEmpty {
            let c = data.compounds[i], l = data.labels[i]
            if let seen = labels[c], seen != l {
                throw HoldOutError(description: "\(data.store.cells.source): compound '\(c)' has labels '\(seen)' and '\(l)' (\(config.labelColumn)); expected one per compound")
            }
            labels[c] = l
        }
        return labels
    }

    /// The compounds that can be held out (labelled, not the control), sorted.
    public func queryCompounds() throws -> [String] {
        try compoundLabels().filter { !$0.value.isEmpty && $0.value != control }.keys.sorted()
    }

    /// A subset of `n` compounds covering as many labels as possible: compounds grouped by
    /// label (sorted), taken round-robin, the first of every label, then the second...
    public static func spread(_ compounds: [String], labels: [String: String], count n: Int) -> [String] {
        var byLabel: [String: [String]] = [:]
        for c in compounds.sorted() { byLabel[labels[c] ?? "", default: []].append(c) }
        let keys = byLabel.keys.sorted()
        var out: [String] = [], round = 0
        while out.count < min(n, compounds.count) {
            for k in keys where round < byLabel[k, default: []].count && out.count < n { out.append(byLabel[k, default: []][round]) }
            round += 1
        }
        return out
    }

    /// Trains with `compound` held out into `runDirectory` and predicts its label.
    public func evaluate(_ compound: String, runDirectory: URL, progress: ((Int, Int, Int, Double, Double) -> Void)? = nil) throws -> Outcome {
        let labels = try compoundLabels()
        guard let label = labels[compound], !label.isEmpty, label != control else {
            throw HoldOutError(description: "compound '\(compound)': not a labelled, non-control compound of \(data.store.cells.source)")
        }
        var c = config
        c.heldOutCompound = compound
        let start = Date()
        let trainer = try Trainer(config: c, data: data, runDirectory: runDirectory)
        trainer.progress = progress
        try trainer.run()
        let seconds = Date().timeIntervalSince(start)
        let references = labels.filter { $0.key != compound && !$0.value.isEmpty && $0.value != control }.keys.sorted()
        guard !references.isEmpty else { throw HoldOutError(description: "compound '\(compound)': no other labelled compound to compare with") }
        let profiles = compoundProfiles(trainer, compounds: [compound] + references)
        let query = profiles[0]
        var best = 0, bestSimilarity = -Double.infinity
        for (j, p) in profiles.dropFirst().enumerated() {
            let s = zip(query, p).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            if s > bestSimilarity { bestSimilarity = s; best = j }
        }
        let nearest = references[best]
        return Outcome(compound: compound, label: label, nearestCompound: nearest, predictedLabel: labels[nearest] ?? "",
                       hit: labels[nearest] == label, similarity: bestSimilarity, trainSeconds: seconds)
    }

    /// Unit-length mean of each compound's unit-length cell embeddings.
    func compoundProfiles(_ trainer: Trainer, compounds: [String]) -> [[Float]] {
        var cellsOf: [String: [Int]] = [:]
        for i in 0..<data.count { cellsOf[data.compounds[i], default: []].append(i) }
        func unit(_ v: [Float]) -> [Float] { let n = max(1e-12, v.reduce(0) { $0 + $1 * $1 }.squareRoot()); return v.map { $0 / n } }
        return compounds.map { compound in
            let all = cellsOf[compound] ?? []
            let step = max(1, (all.count + cellsPerCompound - 1) / cellsPerCompound)
            let cells = stride(from: 0, to: all.count, by: step).map { all[$0] }
            let features = trainer.features(cells).map(unit)
            var mean = [Float](repeating: 0, count: features.first?.count ?? 0)
            for f in features { for k in mean.indices { mean[k] += f[k] } }
            return unit(mean)
        }
    }

    /// 95 % percentile bootstrap interval of the hit rate (`TreatmentBootstrap`, seeded);
    /// (nan, nan) for no hits or no resamples.
    public static func bootstrapInterval(_ hits: [Bool], resamples: Int, seed: UInt64) -> (Double, Double) {
        guard let ci = TreatmentBootstrap(resamples: resamples, seed: seed).interval(hits.map { $0 ? 1.0 : 0.0 }) else {
            return (.nan, .nan)
        }
        return (ci.lower, ci.upper)
    }
}
