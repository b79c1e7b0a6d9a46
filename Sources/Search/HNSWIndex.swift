import Foundation
import Tensor

/// Approximate nearest-neighbour search on a hierarchical navigable small-world graph
/// (Malkov & Yashunin 2018): a stack of proximity graphs, sparser going up, searched
/// greedily from the top, then with a beam of width `efSearch` on the bottom layer.
///
/// Construction is sequential and seeded, so the same vectors, parameters and seed give
/// the same graph and the same answers. Deleted items stay in the graph as waypoints but
/// are never returned; filters work the same way, with the beam widened so that enough
/// accepted items are found.
public struct HNSWIndex: VectorIndex {
    public struct Parameters: Codable, Equatable, Sendable {
        /// Links per node on the upper layers; the bottom layer keeps `2 * m`.
        public var m: Int
        /// Beam width while inserting.
        public var efConstruction: Int
        /// Default beam width while searching (at least `k` is always used).
        public var efSearch: Int
        public var seed: UInt64
        public init(m: Int = 16, efConstruction: Int = 40, efSearch: Int = 16, seed: UInt64 = 42) {
            self.m = m; self.efConstruction = efConstruction; self.efSearch = efSearch; self.seed = seed
        }
    }

    public let metric: Metric
    public var parameters: Parameters
    public internal(set) var store: VectorStore
    /// Top layer of each node.
    var levels: [Int32] = []
    /// Bottom-layer links: `m0 + 1` slots per node, slot 0 holding the link count.
    var links0: [Int32] = []
    /// Upper-layer links per node with level >= 1: for each layer 1...level, `m + 1` slots.
    var upperLinks: [[Int32]] = []
    var entryPoint: Int32 = -1
    var maxLevel: Int32 = -1
    var rng: SeededRandom

    var m0: Int { 2 * parameters.m }

    public init(dimension: Int, metric: Metric = .cosine, parameters: Parameters = .init()) {
        precondition(parameters.m >= 2, "HNSW needs m >= 2")
        self.metric = metric
        self.parameters = parameters
        self.store = VectorStore(dimension: dimension)
        self.rng = SeededRandom(seed: parameters.seed)
    }

    public var dimension: Int { store.dimension }
    public var count: Int { store.liveCount }

    // MARK: distances (lower is closer)

    @inline(__always)
    func distance(_ q: UnsafePointer<Float>, _ id: Int32) -> Float {
        store.withVector(Int(id)) { v in
            switch metric {
            case .cosine, .innerProduct:
                return -VectorMath.dot(q, v, dimension)
            case .l2:
                var s: Float = 0
                for i in 0..<dimension { let t = q[i] - v[i]; s += t * t }
                return s
            }
        }
    }

    // MARK: links

    @inline(__always)
    func neighbours(_ node: Int32, level: Int) -> ArraySlice<Int32> {
        if level == 0 {
            let base = Int(node) * (m0 + 1)
            let n = Int(links0[base])
            return links0[(base + 1)..<(base + 1 + n)]
        }
        let block = upperLinks[Int(node)]
        let base = (level - 1) * (parameters.m + 1)
        let n = Int(block[base])
        return block[(base + 1)..<(base + 1 + n)]
    }

    mutating func setNeighbours(_ node: Int32, level: Int, _ list: [Int32]) {
        if level == 0 {
            let base = Int(node) * (m0 + 1)
            links0[base] = Int32(list.count)
            for (i, v) in list.enumerated() { links0[base + 1 + i] = v }
        } else {
            let base = (level - 1) * (parameters.m + 1)
            upperLinks[Int(node)][base] = Int32(list.count)
            for (i, v) in list.enumerated() { upperLinks[Int(node)][base + 1 + i] = v }
        }
    }

    // MARK: insertion

    public mutating func add(_ vector: [Float]) throws -> Int {
        let v = try VectorMath.prepared(vector, dimension: dimension, metric: metric)
        let id = Int32(store.append(v))
        // Level drawn from the exponential distribution with scale 1/ln(m), as in the paper.
        let u = max(rng.uniformDouble(), 1e-12)
        let level = Int32(Int(-log(u) / log(Double(parameters.m))))
        levels.append(level)
        links0.append(contentsOf: repeatElement(0, count: m0 + 1))
        upperLinks.append(level > 0 ? [Int32](repeating: 0, count: Int(level) * (parameters.m + 1)) : [])
        if entryPoint < 0 {
            entryPoint = id; maxLevel = level
            return Int(id)
        }
        var visited = VisitedSet(count: store.count)
        v.withUnsafeBufferPointer { qb in
            let q = qb.baseAddress!
            var current = entryPoint
            var currentDistance = distance(q, current)
            var l = Int(maxLevel)
            while l > Int(level) {
                (current, currentDistance) = greedy(q, from: current, distance: currentDistance, level: l)
                l -= 1
            }
            var entries = [Candidate(distance: currentDistance, id: current)]
            for layer in stride(from: min(Int(level), Int(maxLevel)), through: 0, by: -1) {
                let found = beamSearch(q, entries: entries, ef: parameters.efConstruction, level: layer, visited: &visited)
                let maxLinks = layer == 0 ? m0 : parameters.m
                let chosen = selectNeighbours(found, max: parameters.m)
                setNeighbours(id, level: layer, chosen.map(\.id))
                for c in chosen {
                    var list = Array(neighbours(c.id, level: layer))
                    if list.count < maxLinks {
                        list.append(id)
                        setNeighbours(c.id, level: layer, list)
                    } else {
                        // Re-choose the neighbour's links among its old ones and the new node.
                        let cands = (list + [id]).map { n -> Candidate in
                            Candidate(distance: pairDistance(c.id, n), id: n)
                        }.sorted()
                        setNeighbours(c.id, level: layer, selectNeighbours(cands, max: maxLinks).map(\.id))
                    }
                }
                entries = found
            }
        }
        if level > maxLevel { maxLevel = level; entryPoint = id }
        return Int(id)
    }

    func pairDistance(_ a: Int32, _ b: Int32) -> Float {
        store.withVector(Int(a)) { distance($0, b) }
    }

    /// The neighbour-selection heuristic of the paper (Algorithm 4): keep a candidate only
    /// if it is closer to the new node than to every neighbour kept so far, which spreads
    /// links over directions instead of bunching them in one cluster.
    func selectNeighbours(_ sortedCandidates: [Candidate], max: Int) -> [Candidate] {
        guard sortedCandidates.count > max else { return sortedCandidates }
        var kept: [Candidate] = []
        for c in sortedCandidates {
            var good = true
            for k in kept where pairDistance(c.id, k.id) < c.distance {
                good = false; break
            }
            if good { kept.append(c); if kept.count == max { break } }
        }
        return kept
    }

    func greedy(_ q: UnsafePointer<Float>, from start: Int32, distance startDistance: Float, level: Int) -> (Int32, Float) {
        var current = start, best = startDistance
        var changed = true
        while changed {
            changed = false
            for n in neighbours(current, level: level) {
                let d = distance(q, n)
                if d < best || (d == best && n < current) { best = d; current = n; changed = true }
            }
        }
        return (current, best)
    }

    /// Beam search on one layer; returns up to `ef` closest nodes, closest first.
    func beamSearch(_ q: UnsafePointer<Float>, entries: [Candidate], ef: Int, level: Int,
                    visited: inout VisitedSet, accept: ((Int32) -> Bool)? = nil) -> [Candidate] {
        visited.reset()
        var candidates = CandidateHeap<ClosestFirst>(capacity: ef * 2)
        var results = CandidateHeap<FarthestFirst>(capacity: ef + 1)
        for e in entries {
            visited.insert(e.id)
            candidates.push(e)
            if accept?(e.id) ?? true { results.push(e) }
        }
        while let c = candidates.pop() {
            if results.count >= ef, let worst = results.peek, c.distance > worst.distance { break }
            for n in neighbours(c.id, level: level) where visited.insert(n) {
                let d = distance(q, n)
                let cand = Candidate(distance: d, id: n)
                if results.count < ef || d < results.peek!.distance {
                    candidates.push(cand)
                    if accept?(n) ?? true {
                        results.push(cand)
                        if results.count > ef { _ = results.pop() }
                    }
                }
            }
        }
        return results.elements.sorted()
    }

    // MARK: search

    public mutating func delete(_ id: Int) -> Bool { store.delete(id) }

    public func search(_ queries: [[Float]], k: Int, filter: ((Int) -> Bool)? = nil) throws -> [[SearchHit]] {
        try search(queries, k: k, ef: parameters.efSearch, filter: filter)
    }

    /// Searches with an explicit beam width `ef` (at least `k` is used).
    public func search(_ queries: [[Float]], k: Int, ef: Int, filter: ((Int) -> Bool)? = nil) throws -> [[SearchHit]] {
        let prepared = try queries.map { try VectorMath.prepared($0, dimension: dimension, metric: metric) }
        guard entryPoint >= 0, k > 0 else { return Array(repeating: [], count: queries.count) }
        var out = Array(repeating: [SearchHit](), count: queries.count)
        let deleted = store.deleted
        let accept: (Int32) -> Bool = { id in !deleted[Int(id)] && (filter?(Int(id)) ?? true) }
        let beam = max(ef, k)
        out.withUnsafeMutableBufferPointer { ob in
            let obase = ob.baseAddress!
            let workers = min(2, queries.count)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var visited = VisitedSet(count: store.count)
                var qi = w
                while qi < queries.count {
                    obase[qi] = prepared[qi].withUnsafeBufferPointer { qb in
                        let q = qb.baseAddress!
                        var current = entryPoint
                        var d = distance(q, current)
                        var l = Int(maxLevel)
                        while l > 0 { (current, d) = greedy(q, from: current, distance: d, level: l); l -= 1 }
                        let found = beamSearch(q, entries: [Candidate(distance: d, id: current)], ef: beam, level: 0,
                                               visited: &visited, accept: accept)
                        // Distances are negated scores for every metric (see `distance`).
                        return found.prefix(k).map { SearchHit(id: Int($0.id), score: -$0.distance) }
                    }
                    qi += workers
                }
            }
        }
        return out
    }

    public func vector(_ id: Int) -> [Float]? { store.isLive(id) ? store.vector(id) : nil }
}

/// A node and its distance to the query; ordered by distance, then id.
struct Candidate: Comparable {
    var distance: Float
    var id: Int32
    static func < (a: Candidate, b: Candidate) -> Bool {
        a.distance < b.distance || (a.distance == b.distance && a.id < b.id)
    }
}

/// "Seen in this search" flags, cleared in O(1) by bumping a generation counter.
struct VisitedSet {
    private var marks: [UInt32]
    private var generation: UInt32 = 1
    init(count: Int) { marks = [UInt32](repeating: 0, count: count) }
    mutating func reset() {
        generation &+= 1
        if generation == 0 { marks = [UInt32](repeating: 0, count: marks.count); generation = 1 }
    }
    /// Marks `id`; true if it was not marked yet.
    @inline(__always)
    mutating func insert(_ id: Int32) -> Bool {
        let i = Int(id)
        if i >= marks.count { marks.append(contentsOf: repeatElement(0, count: i + 1 - marks.count)) }
        if marks[i] == generation { return false }
        marks[i] = generation
        return true
    }
}

/// Which end of a `CandidateHeap` comes out first.
protocol HeapOrder { static func first(_ a: Candidate, _ b: Candidate) -> Bool }
/// Closest candidate first.
enum ClosestFirst: HeapOrder { @inline(__always) static func first(_ a: Candidate, _ b: Candidate) -> Bool { a < b } }
/// Farthest candidate first.
enum FarthestFirst: HeapOrder { @inline(__always) static func first(_ a: Candidate, _ b: Candidate) -> Bool { b < a } }

/// A binary heap of candidates; the order is a type parameter so comparisons inline in the
/// search loop instead of going through a stored closure.
struct CandidateHeap<Order: HeapOrder> {
    private(set) var elements: [Candidate] = []
    init(capacity: Int = 0) { elements.reserveCapacity(capacity) }
    var count: Int { elements.count }
    var peek: Candidate? { elements.first }
    @inline(__always)
    mutating func push(_ x: Candidate) {
        elements.append(x)
        var i = elements.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard Order.first(elements[i], elements[p]) else { break }
            elements.swapAt(i, p); i = p
        }
    }
    @inline(__always)
    mutating func pop() -> Candidate? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let top = elements.removeLast()
        var i = 0
        let n = elements.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, Order.first(elements[l], elements[m]) { m = l }
            if r < n, Order.first(elements[r], elements[m]) { m = r }
            guard m != i else { break }
            elements.swapAt(i, m); i = m
        }
        return top
    }
}
