import Core

/// A random-forest classifier (Breiman 2001, as scikit-learn's RandomForestClassifier
/// defaults): `treeCount` CART trees, each grown to purity on a bootstrap sample, splits
/// chosen by Gini impurity decrease among `maxFeatures` (default sqrt(d)) features drawn
/// at each node, threshold midway between neighbouring values; prediction averages the
/// trees' leaf class frequencies. Every random choice comes from `seed`.
///
/// Used by the classifier view of MoA evaluation; small tables only (exact split search).
public struct RandomForest: Sendable {
    struct Node: Sendable {
        var feature = -1
        var threshold = 0.0
        var left = -1
        var right = -1
        /// Class frequencies at a leaf.
        var distribution: [Double] = []
    }

    public let classCount: Int
    public let featureCount: Int
    let trees: [[Node]]

    public init(x: [Double], n: Int, d: Int, y: [Int], classCount k: Int, treeCount: Int = 100,
                maxFeatures: Int? = nil, seed: UInt64 = 0) {
        precondition(x.count == n * d && y.count == n && n > 0 && treeCount > 0)
        classCount = k
        featureCount = d
        let mtry = max(1, min(d, maxFeatures ?? Int(Double(d).squareRoot())))
        var rng = SeededRandom(seed: seed)
        var trees: [[Node]] = []
        for _ in 0..<treeCount {
            let sample = (0..<n).map { _ in Self.uniform(n, &rng) }
            var builder = TreeBuilder(x: x, d: d, y: y, k: k, mtry: mtry)
            builder.grow(sample, &rng)
            trees.append(builder.nodes)
        }
        self.trees = trees
    }

    static func uniform(_ n: Int, _ rng: inout SeededRandom) -> Int {
        Int(rng.next().multipliedFullWidth(by: UInt64(n)).high)
    }

    public func probabilities(_ row: ArraySlice<Double>) -> [Double] {
        let r = Array(row)
        var p = [Double](repeating: 0, count: classCount)
        for nodes in trees {
            var i = 0
            while nodes[i].feature >= 0 { i = r[nodes[i].feature] <= nodes[i].threshold ? nodes[i].left : nodes[i].right }
            for c in 0..<classCount { p[c] += nodes[i].distribution[c] / Double(trees.count) }
        }
        return p
    }

    /// The most probable class (lowest index among ties).
    public func predict(_ row: ArraySlice<Double>) -> Int {
        let p = probabilities(row)
        return p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) }!
    }

    /// Grows one tree depth-first into a flat node array.
    struct TreeBuilder {
        let x: [Double], d: Int, y: [Int], k: Int, mtry: Int
        var nodes: [Node] = []

        @discardableResult
        mutating func grow(_ rows: [Int], _ rng: inout SeededRandom) -> Int {
            let id = nodes.count
            nodes.append(Node())
            var counts = [Double](repeating: 0, count: k)
            for r in rows { counts[y[r]] += 1 }
            let pure = counts.filter { $0 > 0 }.count <= 1
            guard !pure, rows.count >= 2, let split = bestSplit(rows, counts, &rng) else {
                nodes[id].distribution = counts.map { $0 / Double(rows.count) }
                return id
            }
            let left = rows.filter { x[$0 * d + split.feature] <= split.threshold }
            let right = rows.filter { x[$0 * d + split.feature] > split.threshold }
            nodes[id].feature = split.feature
            nodes[id].threshold = split.threshold
            let l = grow(left, &rng)
            let r = grow(right, &rng)
            nodes[id].left = l
            nodes[id].right = r
            return id
        }

        /// Best Gini split among `mtry` random features; like scikit-learn, keeps drawing
        /// features past `mtry` while none of those drawn can split the node.
        func bestSplit(_ rows: [Int], _ counts: [Double], _ rng: inout SeededRandom) -> (feature: Int, threshold: Double)? {
            var features = Array(0..<d)
            var best: (feature: Int, threshold: Double, score: Double)?
            let n = Double(rows.count)
            let total2 = counts.reduce(0) { $0 + $1 * $1 }
            var pairs = [(value: Double, label: Int)](repeating: (0, 0), count: rows.count)
            var left = [Double](repeating: 0, count: k)
            for drawn in 0..<d {
                if drawn >= mtry && best != nil { break }
                let pick = drawn + RandomForest.uniform(d - drawn, &rng)
                features.swapAt(drawn, pick)
                let f = features[drawn]
                for (i, r) in rows.enumerated() { pairs[i] = (x[r * d + f], y[r]) }
                pairs.sort { $0.value < $1.value }
                for c in 0..<k { left[c] = 0 }
                var right = counts
                // Sums of squared class counts on each side, updated in O(1) per move.
                var left2 = 0.0, right2 = total2
                for i in 0..<(pairs.count - 1) {
                    let c = pairs[i].label
                    left2 += 2 * left[c] + 1
                    right2 -= 2 * right[c] - 1
                    left[c] += 1
                    right[c] -= 1
                    let a = pairs[i].value, b = pairs[i + 1].value
                    guard a < b else { continue }
                    let nl = Double(i + 1), nr = n - nl
                    // Gini decrease is maximal where sum l^2 / nl + sum r^2 / nr is.
                    let score = -(left2 / nl + right2 / nr)
                    if best == nil || score < best!.score {
                        var t = (a + b) / 2
                        if t >= b { t = a }  // midpoint rounding up to b would misroute b
                        best = (f, t, score)
                    }
                }
            }
            return best.map { ($0.feature, $0.threshold) }
        }
    }
}
