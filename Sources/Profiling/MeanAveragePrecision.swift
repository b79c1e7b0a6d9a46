import Core

/// Mean average precision per group with permutation p-values, as copairs'
/// `mean_average_precision` computes it.
///
/// Queries with an AP are grouped by a key (a MoA, a treatment); a group's mAP is the mean
/// of its queries' APs (and of their normalized APs). Its p-value compares the mAP with a
/// null: for each query configuration (M positives among L ranked items) `nullSize` random
/// rankings are drawn and their APs computed; the group's null sample s is the mean over
/// its queries of sample s of their configuration's null, and
/// p = (#{null > mAP} + 1) / (nullSize + 1). Corrected p-values are Benjamini-Hochberg
/// over the groups (statsmodels `fdr_bh`, as copairs uses).
///
/// copairs draws its nulls with numpy's PCG64; we draw ours with `SeededRandom` seeded from
/// (seed, M, L), so p-values agree with copairs' in distribution, not digit for digit:
/// each is a Monte Carlo estimate with standard error at most sqrt(p(1-p)/nullSize).
public struct MeanAveragePrecision: Sendable {
    public struct Group: Sendable, Equatable {
        public var key: String
        public var queryCount: Int
        public var meanAveragePrecision: Double
        public var meanNormalizedAveragePrecision: Double
        public var pValue: Double
        public var correctedPValue: Double
    }

    /// Groups sorted by key.
    public let groups: [Group]
    public let nullSize: Int

    public init(_ ap: AveragePrecision, groupOf: (Int) -> String, nullSize: Int = 10_000, seed: UInt64 = 0) {
        precondition(nullSize > 0)
        let scored = ap.scored
        var members: [String: [AveragePrecision.Query]] = [:]
        for q in scored { members[groupOf(q.row), default: []].append(q) }
        var nulls: [[Int]: [Double]] = [:]
        for q in scored where nulls[[q.positives, q.total]] == nil {
            nulls[[q.positives, q.total]] = Self.nullDistribution(positives: q.positives, total: q.total,
                                                                  size: nullSize, seed: seed)
        }
        var groups: [Group] = []
        for key in members.keys.sorted() {
            let qs = members[key]!
            let n = Double(qs.count)
            let map = qs.reduce(0) { $0 + $1.averagePrecision! } / n
            let nmap = qs.reduce(0) { $0 + $1.normalizedAveragePrecision! } / n
            var null = [Double](repeating: 0, count: nullSize)
            for q in qs {
                let d = nulls[[q.positives, q.total]]!
                for s in 0..<nullSize { null[s] += d[s] }
            }
            let above = null.reduce(0) { $0 + ($1 / n > map ? 1 : 0) }
            let p = Double(above + 1) / Double(nullSize + 1)
            groups.append(Group(key: key, queryCount: qs.count, meanAveragePrecision: map,
                                meanNormalizedAveragePrecision: nmap, pValue: p, correctedPValue: p))
        }
        let corrected = Self.benjaminiHochberg(groups.map(\.pValue))
        for i in groups.indices { groups[i].correctedPValue = corrected[i] }
        self.groups = groups
        self.nullSize = nullSize
    }

    /// APs of `size` uniformly random rankings with `positives` positives among `total`.
    public static func nullDistribution(positives m: Int, total l: Int, size: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: SeededRandom.derive(seed, m, l))
        var marked = [Bool](repeating: false, count: l)
        var ranks: [Int] = []
        ranks.reserveCapacity(m)
        var out = [Double](repeating: 0, count: size)
        for s in 0..<size {
            // Floyd's algorithm: m distinct positions out of l in m draws.
            ranks.removeAll(keepingCapacity: true)
            for j in (l - m)..<l {
                let t = Int(rng.next().multipliedFullWidth(by: UInt64(j + 1)).high)
                let pick = marked[t] ? j : t
                marked[pick] = true
                ranks.append(pick)
            }
            ranks.sort()
            var sum = 0.0
            for (i, r) in ranks.enumerated() {
                sum += Double(i + 1) / Double(r + 1)
                marked[r] = false
            }
            out[s] = sum / Double(m)
        }
        return out
    }

    /// Benjamini-Hochberg adjusted p-values, in input order.
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let n = p.count
        guard n > 0 else { return [] }
        let order = stableSorted(Array(0..<n)) { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: n)
        var running = Double.infinity
        for rank in stride(from: n - 1, through: 0, by: -1) {
            let i = order[rank]
            running = min(running, p[i] * Double(n) / Double(rank + 1))
            adjusted[i] = min(running, 1)
        }
        return adjusted
    }

    public var fractionSignificant: Double? {
        groups.isEmpty ? nil : Double(groups.filter { $0.correctedPValue < 0.05 }.count) / Double(groups.count)
    }

    /// Mean over groups of their mAP (copairs users' headline figure).
    public var meanOfGroups: Double? {
        groups.isEmpty ? nil : groups.reduce(0) { $0 + $1.meanAveragePrecision } / Double(groups.count)
    }
}
