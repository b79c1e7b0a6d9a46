/// Nearest-neighbour MoA classification of treatment profiles: NSC, NSCB and top-k.
///
/// Queries and candidates are the treatments of `TreatmentLabels.moaRows` (no DMSO, no
/// empty MoA). For a query, candidates are those with a different `Metadata_Compound`
/// (NSC), and for NSCB also with no batch in common (see `TreatmentLabels`). The
/// neighbour is the candidate of highest cosine similarity; ties go to the candidate that
/// comes first in table order. A query is a hit when its neighbour has the same MoA.
/// NSC/NSCB = hits / queries; queries with no candidate left are skipped (not counted).
///
/// Top-k (k >= 1): a query is a hit when any of its k most similar candidates (same
/// ordering and tie rule) has its MoA; with fewer than k candidates all of them are used.
/// Top-1 is NSC (or NSCB).
public struct NearestNeighborMoA: Sendable {
    public enum Mode: String, Sendable { case nsc, nscb }

    /// One query's outcome.
    public struct Neighbor: Sendable, Equatable {
        public var query: Int
        /// Candidates in order of decreasing similarity (ties in table order), as far as
        /// the longest top-k asked for.
        public var ranked: [Int]
        public var similarity: Double
        public var hit: Bool
        public var neighbor: Int { ranked[0] }
    }

    public let mode: Mode
    /// One entry per query that had a candidate, in table order.
    public let neighbors: [Neighbor]
    public let topK: [Int]
    /// Top-k accuracy for each k in `topK`.
    public let topKAccuracy: [Double]

    public var accuracy: Double { Double(neighbors.filter(\.hit).count) / Double(neighbors.count) }
    public var queryCount: Int { neighbors.count }

    public init(labels: TreatmentLabels, similarity: CosineSimilarity, mode: Mode, topK: [Int] = [1]) throws {
        let rows = labels.moaRows
        let depth = max(1, topK.max() ?? 1)
        if mode == .nscb && labels.batches == nil {
            throw ProfilingError("NSCB needs a '\(TreatmentLabels.batchColumn)' column")
        }
        var out: [Neighbor] = []
        for q in rows {
            var cands = rows.filter { c in
                c != q && labels.compound[c] != labels.compound[q]
                    && (mode == .nsc || labels.batches![c].isDisjoint(with: labels.batches![q]))
            }
            guard !cands.isEmpty else { continue }
            // Stable sort by decreasing similarity keeps table order among ties.
            cands = stableSorted(cands) { similarity[q, $0] > similarity[q, $1] }
            let ranked = Array(cands.prefix(depth))
            out.append(Neighbor(query: q, ranked: ranked, similarity: similarity[q, ranked[0]],
                                hit: labels.moa[ranked[0]] == labels.moa[q]))
        }
        self.mode = mode
        self.neighbors = out
        self.topK = topK
        self.topKAccuracy = topK.map { k in
            let hits = out.filter { n in n.ranked.prefix(k).contains { labels.moa[$0] == labels.moa[n.query] } }
            return Double(hits.count) / Double(out.count)
        }
    }

    /// `confusion[true][predicted]` counts over the queries, MoAs sorted by name.
    public func confusion(labels: TreatmentLabels) -> (moas: [String], counts: [[Int]]) {
        let moas = Array(Set(labels.moaRows.map { labels.moa[$0] })).sorted()
        let index = Dictionary(uniqueKeysWithValues: moas.enumerated().map { ($1, $0) })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: moas.count), count: moas.count)
        for n in neighbors {
            counts[index[labels.moa[n.query]]!][index[labels.moa[n.neighbor]]!] += 1
        }
        return (moas, counts)
    }
}

/// Sorts stably (Swift's `sort` is not documented as stable): ties keep input order.
func stableSorted<T>(_ xs: [T], by areInIncreasingOrder: (T, T) -> Bool) -> [T] {
    xs.enumerated().sorted { a, b in
        if areInIncreasingOrder(a.element, b.element) { return true }
        if areInIncreasingOrder(b.element, a.element) { return false }
        return a.offset < b.offset
    }.map(\.element)
}
