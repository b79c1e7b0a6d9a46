import Foundation

/// Infers a label (usually the mechanism of action) for a query from its nearest labelled
/// neighbours: each of the `k` nearest votes for its label with its similarity as weight.
///
/// The confidence is the winning label's share of the total weight, so a unanimous
/// neighbourhood gives 1 and a split one less. Independently of the vote, a query whose best
/// similarity falls below `noveltyThreshold` is flagged novel: nothing in the index is close
/// enough for the vote to mean much (see `NoveltyCalibration` for a threshold taken from the
/// index itself).
public struct NeighborVote: Sendable {
    /// The metadata column holding the label.
    public var labelField: String
    public var k: Int
    /// Neighbours sharing this field's value with the query item are left out (for NSC-style
    /// inference: `Metadata_Compound` keeps a compound from voting for itself). Needs a query id.
    public var excludeSameField: String?
    /// Below this best similarity the query is novel; nil: never novel.
    public var noveltyThreshold: Float?

    public init(labelField: String = "Metadata_MoA", k: Int = 10, excludeSameField: String? = nil,
                noveltyThreshold: Float? = nil) {
        self.labelField = labelField; self.k = k
        self.excludeSameField = excludeSameField; self.noveltyThreshold = noveltyThreshold
    }

    /// The outcome of one vote.
    public struct Result: Sendable, Equatable {
        /// The winning label; nil when no labelled neighbour was found.
        public var label: String?
        /// Winning weight over total weight, 0...1.
        public var confidence: Double
        public var novel: Bool
        /// The similarity of the nearest neighbour (labelled or not); nil when none.
        public var bestSimilarity: Float?
        /// Total weight per label, largest first.
        public var votes: [(label: String, weight: Double)]
        /// The labelled neighbours that voted, best first.
        public var neighbors: [SearchHit]

        public static func == (a: Result, b: Result) -> Bool {
            a.label == b.label && a.confidence == b.confidence && a.novel == b.novel && a.bestSimilarity == b.bestSimilarity
                && a.neighbors == b.neighbors && a.votes.map(\.label) == b.votes.map(\.label)
                && a.votes.map(\.weight) == b.votes.map(\.weight)
        }
    }

    /// Votes for the item `id` of `index` (itself excluded), with `filter` narrowing the voters.
    public func infer(id: Int, in index: SearchIndex, filter: ItemFilter? = nil) throws -> Result {
        var expressions = filter?.source ?? []
        if let f = excludeSameField { expressions.append("\(f)!=$query") }
        expressions.append("\(labelField)!=")
        let hits = try index.search(id: id, k: k, filter: try ItemFilter(expressions))
        let nearest = try index.search(id: id, k: 1, filter: filter)
        return tally(hits, best: nearest.first?.score, index: index)
    }

    /// Votes for a raw vector. `excludeSameField` cannot apply (there is no query item).
    public func infer(vector: [Float], in index: SearchIndex, filter: ItemFilter? = nil) throws -> Result {
        let labelled = try ItemFilter((filter?.source ?? []) + ["\(labelField)!="])
        let hits = try index.search(vectors: [vector], k: k, filter: labelled)[0]
        let nearest = try index.search(vectors: [vector], k: 1, filter: filter)[0]
        return tally(hits, best: nearest.first?.score, index: index)
    }

    func tally(_ hits: [SearchHit], best: Float?, index: SearchIndex) -> Result {
        var weights: [String: Double] = [:]
        var total = 0.0
        for h in hits {
            guard let label = index.metadata.value(h.id, labelField), !label.isEmpty else { continue }
            let w = NeighborVote.weight(h.score, metric: index.index.metric)
            weights[label, default: 0] += w
            total += w
        }
        // Largest weight first; equal weights by label so the result does not depend on hashing.
        let votes = weights.map { (label: $0.key, weight: $0.value) }
            .sorted { $0.weight > $1.weight || ($0.weight == $1.weight && $0.label < $1.label) }
        let novel = noveltyThreshold.map { t in best.map { $0 < t } ?? true } ?? false
        return Result(label: votes.first?.label, confidence: total > 0 ? votes[0].weight / total : 0,
                      novel: novel, bestSimilarity: best, votes: votes, neighbors: hits)
    }

    /// A neighbour's vote weight: its similarity, floored at a small positive value so that
    /// anti-correlated neighbours still count a little and the total never vanishes; for L2,
    /// whose scores are negated squared distances, 1 / (1 + distance).
    static func weight(_ score: Float, metric: Metric) -> Double {
        switch metric {
        case .cosine, .innerProduct: return max(Double(score), 1e-3)
        case .l2: return 1 / (1 + Double(-score))
        }
    }
}

/// A novelty threshold read off the index: the `percentile`-th percentile of the similarity
/// between each reference item (e.g. every DMSO well) and its nearest other item.
///
/// A query less similar to its nearest neighbour than, say, 95 % of the controls are to
/// theirs sits in an empty region of the space, so its neighbour vote is flagged novel.
public struct NoveltyCalibration: Sendable, Equatable {
    public var threshold: Float
    /// How many reference items the percentile was taken over.
    public var referenceCount: Int
    public var percentile: Double

    /// Calibrates on the items `reference` accepts (all live items when nil); at most
    /// `maxItems` of them, evenly spaced by id, to bound start-up time on large indexes.
    public init(index: SearchIndex, reference: ItemFilter? = nil, percentile: Double = 5, maxItems: Int = 2000) throws {
        guard (0...100).contains(percentile) else { throw IndexError("percentile must be in 0...100, got \(percentile)") }
        let accept = try reference.map { try $0.predicate(index.metadata, queryID: nil) }
        let ids = (0..<index.metadata.count).filter { index.index.vector($0) != nil && (accept?($0) ?? true) }
        guard ids.count >= 2 else {
            throw IndexError("novelty calibration needs at least 2 reference items, found \(ids.count)"
                             + (reference.map { " matching \($0)" } ?? ""))
        }
        let step = max(1, ids.count / maxItems)
        var sims: [Float] = []
        for i in stride(from: 0, to: ids.count, by: step) {
            if let best = try index.search(id: ids[i], k: 1).first { sims.append(best.score) }
        }
        sims.sort()
        // Linear interpolation between order statistics, numpy's default.
        let pos = percentile / 100 * Double(sims.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, sims.count - 1)
        let frac = Float(pos - Double(lo))
        threshold = sims[lo] + (sims[hi] - sims[lo]) * frac
        referenceCount = sims.count
        self.percentile = percentile
    }

    /// Calibrated on the items the `reference` filter expressions accept (e.g. DMSO) when
    /// the index has them, else on all items; nil when neither has two items. What the
    /// server and `phenoscope search --image` flag novelty with.
    public static func preferring(_ reference: [String], in index: SearchIndex, percentile: Double) -> NoveltyCalibration? {
        if let filter = try? ItemFilter(reference), (try? filter.validate(against: index.metadata)) != nil,
           let c = try? NoveltyCalibration(index: index, reference: filter, percentile: percentile) {
            return c
        }
        return try? NoveltyCalibration(index: index, percentile: percentile)
    }
}
