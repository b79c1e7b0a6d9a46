/// Per-query average precision as copairs (`copairs.map.average_precision`) defines it.
///
/// Every row is a query. Its ranked list holds the rows paired with it: positives (rows
/// satisfying `isPositive`) and negatives (`isNegative`); any other row is left out. The
/// list is ordered by decreasing cosine similarity, compared as copairs compares it: the
/// similarity rounded to Float32 and the key `1 - s` evaluated in Float32; among equal
/// keys positives come first (copairs' stable `lexsort` over positives-then-negatives).
/// AP = mean over the positives of the precision at each positive's rank; a query with
/// no positives has no AP (copairs: NaN) and a query with no pairs at all is not listed.
/// Normalized AP = (AP - mu0) / (1 - mu0) clipped to [-1, 1], mu0 the exact expected AP
/// of a random ranking of M positives among L items (copairs' `normalize_ap`).
public struct AveragePrecision: Sendable {
    /// One query's result.
    public struct Query: Sendable, Equatable {
        public var row: Int
        public var positives: Int
        public var total: Int
        /// nil when the query has no positives.
        public var averagePrecision: Double?
        public var normalizedAveragePrecision: Double?
    }

    /// Queries with at least one pair, in row order.
    public let queries: [Query]

    public init(similarity: CosineSimilarity, rows: [Int],
                isPositive: (Int, Int) -> Bool, isNegative: (Int, Int) -> Bool) {
        var out: [Query] = []
        for q in rows {
            var list: [(key: Float, positive: Bool)] = []
            for c in rows where c != q {
                let pos = isPositive(q, c)
                guard pos || isNegative(q, c) else { continue }
                list.append((1 - Float(similarity[q, c]), pos))
            }
            guard !list.isEmpty else { continue }
            list.sort { a, b in a.key != b.key ? a.key < b.key : (a.positive && !b.positive) }
            var tp = 0
            var sum = 0.0
            for (k, item) in list.enumerated() where item.positive {
                tp += 1
                sum += Double(tp) / Double(k + 1)
            }
            let m = tp, l = list.count
            let ap: Double? = m > 0 ? sum / Double(m) : nil
            let nap = ap.map { Self.normalize($0, positives: m, total: l) }
            out.append(Query(row: q, positives: m, total: l, averagePrecision: ap, normalizedAveragePrecision: nap))
        }
        queries = out
    }

    /// Exact expected AP of a random ranking of `positives` among `total` items.
    public static func expected(positives m: Int, total l: Int) -> Double {
        if l == 1 { return m == 1 ? 1 : 0 }
        if m == 0 { return 0 }
        if m == l { return 1 }
        var h = 0.0
        for k in 1...l { h += 1 / Double(k) }
        let L = Double(l)
        return (1 / L) * ((Double(m) - 1) / (L - 1) * (L - h) + h)
    }

    public static func normalize(_ ap: Double, positives: Int, total: Int) -> Double {
        let mu0 = expected(positives: positives, total: total)
        let v = (ap - mu0) / max(1 - mu0, 1e-10)
        return min(1, max(-1, v))
    }

    /// Queries with an AP.
    public var scored: [Query] { queries.filter { $0.averagePrecision != nil } }

    /// Mean AP over the queries that have positives (nil when none has).
    public var meanAveragePrecision: Double? {
        let s = scored
        return s.isEmpty ? nil : s.reduce(0) { $0 + $1.averagePrecision! } / Double(s.count)
    }

    public var meanNormalizedAveragePrecision: Double? {
        let s = scored
        return s.isEmpty ? nil : s.reduce(0) { $0 + $1.normalizedAveragePrecision! } / Double(s.count)
    }
}
