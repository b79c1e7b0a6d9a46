import Core
import Foundation

/// Approximate nearest-neighbour search on a hierarchical navigable small-world graph
/// (Malkov & Yashunin 2018): a stack of proximity graphs, sparser going up, searched
/// greedily from the top, then with a beam of width `efSearch` on the bottom layer.
///
/// Links are chosen with the paper's heuristic (Algorithm 4). A new node takes up to `m`
/// links on an upper layer and up to `2 * m` on the bottom one, as faiss does (hnswlib takes
/// `m` on every layer); neighbours whose lists are full re-choose among old links and the
/// new node with the same heuristic.
///
/// Construction is seeded and deterministic: the same vectors, parameters and seed give the
/// same graph and the same answers, whatever the thread count. Bulk adds link nodes in
/// batches whose searches run in parallel (see `add(rows:threads:progress:)`); the links
/// are then applied in a fixed order. Deleted items stay in the graph as waypoints but
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

        /// The largest `m` and beam widths accepted: far above any useful setting, and small
        /// enough that per-node link blocks and beams cannot overflow or exhaust memory.
        public static let limit = 4096

        /// Throws naming the first parameter out of range. `HNSWIndex.init` traps on these,
        /// so anything taken from a user or a file passes through here first.
        public func validate() throws {
            guard m >= 2, m <= Self.limit else { throw IndexError("HNSW m is \(m); expected 2...\(Self.limit)") }
            guard efConstruction >= 1, efConstruction <= Self.limit else {
                throw IndexError("HNSW ef_construction is \(efConstruction); expected 1...\(Self.limit)")
            }
            guard efSearch >= 1, efSearch <= Self.limit else { throw IndexError("HNSW ef_search is \(efSearch); expected 1...\(Self.limit)") }
        }
    }

    public let metric: Metric
    public var parameters: Parameters
    public internal(set) var store: VectorStore
    /// Top layer of each node.
    var levels: [Int32] = []
    /// Bottom-layer links: `m0 + 1` slots per node, slot 0 holding the link count.
    var links0: [Int32] = []
    /// Upper-layer links of all nodes with level >= 1, in id order: for each layer
    /// 1...level, `m + 1` slots, slot 0 holding the count. `upperOffsets[id]` is where a
    /// node's block starts (nodes on layer 0 only have an empty block).
    var upperLinks: [Int32] = []
    var upperOffsets: [Int] = []
    var entryPoint: Int32 = -1
    var maxLevel: Int32 = -1
    var rng: SeededRandom
    /// Walk memory for insertions; replaced when shared with a copy of the index, so that
    /// two copies never walk with the same scratch.
    private var scratch: WalkScratch

    var m0: Int { 2 * parameters.m }

    public init(dimension: Int, metric: Metric = .cosine, parameters: Parameters = .init()) {
        precondition(parameters.m >= 2, "HNSW needs m >= 2")
        self.metric = metric
        self.parameters = parameters
        self.store = VectorStore(dimension: dimension)
        self.rng = SeededRandom(seed: parameters.seed)
        self.scratch = WalkScratch(rows: 0, maxDegree: 2 * parameters.m, beam: parameters.efConstruction)
    }

    public var dimension: Int { store.dimension }
    public var count: Int { store.liveCount }

    /// Restores a saved graph: per-node levels, bottom-layer links and the upper-layer
    /// blocks in id order, and the entry point. Throws if they do not fit together.
    mutating func restoreGraph(levels: [Int32], links0: [Int32], upper: [Int32],
                               entryPoint: Int32, maxLevel: Int32) throws {
        guard levels.count == store.count, links0.count == store.count * (m0 + 1) else {
            throw IndexError("graph files do not match \(store.count) rows")
        }
        var offsets = [Int]()
        offsets.reserveCapacity(levels.count)
        var offset = 0
        for level in levels {
            guard level >= 0 else { throw IndexError("negative node level \(level) in graph") }
            offsets.append(offset)
            offset += Int(level) * (parameters.m + 1)
        }
        guard offset == upper.count else {
            throw IndexError("upper-layer links hold \(upper.count) slots, the levels need \(offset)")
        }
        // The walk follows links through raw pointers, so a damaged file must fail here
        // rather than read out of bounds later.
        func check(_ slots: [Int32], at base: Int, width: Int, layer: Int) throws {
            let what = layer == 0 ? "bottom-layer links" : "layer-\(layer) links"
            let n = Int(slots[base])
            guard n >= 0, n <= width else { throw IndexError("\(what): link count \(n) at slot \(base), expected 0...\(width)") }
            for j in 0..<n {
                let target = Int(slots[base + 1 + j])
                guard target >= 0, target < levels.count, levels[target] >= layer else {
                    throw IndexError("\(what): link to \(target) at slot \(base + 1 + j), expected a node on that layer")
                }
            }
        }
        for (id, level) in levels.enumerated() {
            try check(links0, at: id * (m0 + 1), width: m0, layer: 0)
            for layer in stride(from: 1, through: Int(level), by: 1) {
                try check(upper, at: offsets[id] + (layer - 1) * (parameters.m + 1), width: parameters.m, layer: layer)
            }
        }
        let entryOK = levels.isEmpty ? entryPoint == -1 && maxLevel == -1
            : entryPoint >= 0 && Int(entryPoint) < levels.count && levels[Int(entryPoint)] == maxLevel
        guard entryOK else { throw IndexError("entry point \(entryPoint) at level \(maxLevel) is not a node of the graph") }
        self.levels = levels; self.links0 = links0; self.upperLinks = upper; self.upperOffsets = offsets
        self.entryPoint = entryPoint; self.maxLevel = maxLevel
    }

    /// Calls `body` with pointers into the graph and rows; they are valid only inside it.
    func withGraph<R>(_ body: (GraphView) throws -> R) rethrows -> R {
        let kernel = DistanceKernel(dimension: dimension, metric: metric)
        return try store.withRows { rows in
            try links0.withUnsafeBufferPointer { l0 in
                try upperLinks.withUnsafeBufferPointer { up in
                    try upperOffsets.withUnsafeBufferPointer { offsets in
                        try body(GraphView(rows: rows, kernel: kernel, links0: l0.baseAddress!, upper: up.baseAddress,
                                           upperOffsets: offsets.baseAddress!, m: parameters.m, m0: m0))
                    }
                }
            }
        }
    }

    // MARK: links (insertion side, on the arrays)

    func neighbours(_ node: Int32, level: Int) -> ArraySlice<Int32> {
        let (list, base) = level == 0 ? (links0, Int(node) * (m0 + 1))
                                      : (upperLinks, upperOffsets[Int(node)] + (level - 1) * (parameters.m + 1))
        return list[(base + 1)..<(base + 1 + Int(list[base]))]
    }

    mutating func setNeighbours(_ node: Int32, level: Int, _ list: [Int32]) {
        if level == 0 {
            let base = Int(node) * (m0 + 1)
            links0[base] = Int32(list.count)
            for (i, v) in list.enumerated() { links0[base + 1 + i] = v }
        } else {
            let base = upperOffsets[Int(node)] + (level - 1) * (parameters.m + 1)
            upperLinks[base] = Int32(list.count)
            for (i, v) in list.enumerated() { upperLinks[base + 1 + i] = v }
        }
    }

    // MARK: insertion

    public mutating func add(_ vector: [Float]) throws -> Int {
        let id = appendNode(try VectorMath.prepared(vector, dimension: dimension, metric: metric))
        link(id)
        return Int(id)
    }

    /// Adds rows of `dimension` floats stored back to back; returns their ids.
    ///
    /// All rows are checked before any is added. They are then linked from the highest
    /// level down, in a seeded random order within a level, as faiss does: the sparse upper
    /// layers exist before the bulk of the bottom layer is inserted, which gives a better
    /// graph than id order (recall@10 0.944 -> 0.953 on the 100k `bench search` set).
    /// Levels are drawn in id order, so they equal those of one-by-one `add` calls; the
    /// links differ because the insertion order does.
    ///
    /// Linking runs on `threads` threads with a result that does not depend on them: nodes
    /// go in batches (up to `maxBatch`, and at most 1/32 of the nodes already linked, so a
    /// batch is a thin slice of the graph). Each node of a batch searches the graph as it
    /// was when the batch started, in parallel, and adds its earlier batch-mates to the
    /// candidates by direct distance (what a sequential insert could have found of them);
    /// it then chooses its links with the heuristic, also in parallel. The reverse links
    /// are applied last, each neighbour's in batch order, in parallel across neighbours.
    /// Every step is a function of the vectors, the order and the graph at the batch start,
    /// so one thread and many build the same graph.
    @discardableResult
    public mutating func add(rows flat: [Float], threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                             progress: ((Int) -> Void)? = nil) throws -> Range<Int> {
        // Check them all first, then prepare each again as it is stored: a prepared copy of
        // the whole batch would double its memory.
        let rows = flat.count / dimension
        try VectorMath.checkRows(flat, dimension: dimension, metric: metric)
        let first = store.count
        let ids = try (0..<rows).map { i in
            appendNode(try VectorMath.prepared(Array(flat[i * dimension ..< (i + 1) * dimension]), dimension: dimension, metric: metric))
        }
        var order = ids.sorted { levels[Int($0)] > levels[Int($1)] || (levels[Int($0)] == levels[Int($1)] && $0 < $1) }
        // Within a level, a seeded shuffle removes any bias of the caller's row order
        // (rows sorted by plate or class would otherwise be linked cluster by cluster). Its
        // generator is separate from the level generator, so levels stay as one-by-one adds.
        var shuffler = SeededRandom(seed: parameters.seed ^ 0x5348_5546_464C_4531 ^ UInt64(first))
        var start = 0
        while start < order.count {
            var end = start
            while end < order.count, levels[Int(order[end])] == levels[Int(order[start])] { end += 1 }
            for i in stride(from: end - 1, to: start, by: -1) {
                order.swapAt(i, start + shuffler.int(below: i - start + 1))
            }
            start = end
        }
        let workers = max(1, min(threads, 64))
        let scratches = (0..<workers).map { _ in WalkScratch(rows: store.count, maxDegree: m0, beam: parameters.efConstruction) }
        var position = 0
        while position < order.count {
            let linked = first + position
            var size = min(Self.maxBatch, linked / 32, order.count - position)
            // A node that opens a new top layer (or the very first) is linked alone: the
            // walk of the nodes after it starts from it.
            if entryPoint < 0 || levels[Int(order[position])] > maxLevel { size = 1 }
            if size <= 1 {
                link(order[position])
            } else {
                linkBatch(Array(order[position ..< position + size]), scratches: scratches)
            }
            for done in position ..< position + max(size, 1) { progress?(done + 1) }
            position += max(size, 1)
        }
        return first ..< store.count
    }

    /// The largest batch of nodes linked against one frozen graph.
    static let maxBatch = 128

    /// Links `batch` (all on levels <= maxLevel, none linked yet) as described at
    /// `add(rows:threads:progress:)`.
    private mutating func linkBatch(_ batch: [Int32], scratches: [WalkScratch]) {
        let m = parameters.m, m0 = self.m0, ef = parameters.efConstruction
        let levels = self.levels, entry = entryPoint, top = Int(maxLevel)
        // chosen[b][layer]: node batch[b]'s own links on each of its layers.
        var chosen = [[[Int32]]](repeating: [], count: batch.count)
        withGraph { g in
            let kernel = g.kernel, rows = g.rows
            let pairDistance = { (a: Int32, b: Int32) -> Float in kernel(rows[Int(a)], rows[Int(b)]) }
            chosen.withUnsafeMutableBufferPointer { out in
                let outBase = out.baseAddress!
                let work = WorkQueue(count: batch.count, chunk: 2)
                DispatchQueue.concurrentPerform(iterations: min(scratches.count, batch.count)) { worker in
                    let scratch = scratches[worker]
                    while let chunk = work.take() {
                        for b in chunk {
                            let id = batch[b], level = Int(levels[Int(id)])
                            let q = rows[Int(id)]
                            var current = entry
                            var d = g.distance(q, current)
                            for l in stride(from: top, to: level, by: -1) { (current, d) = g.greedy(q, from: current, distance: d, level: l) }
                            // Earlier batch-mates, by direct distance.
                            let mates = (0..<b).map { Candidate(distance: pairDistance(id, batch[$0]), id: batch[$0]) }
                            var perLayer = [[Int32]](repeating: [], count: level + 1)
                            var entries = [Candidate(distance: d, id: current)]
                            for layer in stride(from: level, through: 0, by: -1) {
                                let found = g.beam(q, entries: entries, ef: ef, level: layer, scratch: scratch, accept: nil)
                                entries = found
                                var pool = found + mates.filter { levels[Int($0.id)] >= layer }
                                pool.sort()
                                if pool.count > ef { pool.removeLast(pool.count - ef) }
                                perLayer[layer] = Self.selectNeighbours(pool, max: layer == 0 ? m0 : m, pairDistance).map(\.id)
                            }
                            (outBase + b).pointee = perLayer
                        }
                    }
                }
            }
        }
        // Own links, then the reverse links grouped by (layer, neighbour) in batch order.
        var groups: [UInt64: Int] = [:]
        var updates: [(layer: Int, target: Int32, sources: [Int32])] = []
        for (b, id) in batch.enumerated() {
            for (layer, list) in chosen[b].enumerated() {
                setNeighbours(id, level: layer, list)
                for target in list {
                    let key = UInt64(layer) << 32 | UInt64(UInt32(target))
                    if let g = groups[key] { updates[g].sources.append(id) } else {
                        groups[key] = updates.count
                        updates.append((layer, target, [id]))
                    }
                }
            }
        }
        let offsets = upperOffsets
        let rowsOwner = store
        let kernel = DistanceKernel(dimension: dimension, metric: metric)
        rowsOwner.withRows { rows in
            let pairDistance = { (a: Int32, b: Int32) -> Float in kernel(rows[Int(a)], rows[Int(b)]) }
            links0.withUnsafeMutableBufferPointer { l0 in
                upperLinks.withUnsafeMutableBufferPointer { up in
                    let l0Base = l0.baseAddress!, upBase = up.baseAddress
                    let work = WorkQueue(count: updates.count, chunk: 16)
                    DispatchQueue.concurrentPerform(iterations: min(scratches.count, updates.count)) { _ in
                        while let chunk = work.take() {
                            for u in chunk {
                                let (layer, target, sources) = updates[u]
                                let maxLinks = layer == 0 ? m0 : m
                                // Each (layer, target) block is written by this group alone.
                                let block = layer == 0 ? l0Base + Int(target) * (m0 + 1)
                                                       : upBase! + offsets[Int(target)] + (layer - 1) * (m + 1)
                                var list = (0..<Int(block[0])).map { block[1 + $0] }
                                for source in sources {
                                    if list.count < maxLinks {
                                        list.append(source)
                                    } else {
                                        let cands = (list + [source]).map { Candidate(distance: pairDistance(target, $0), id: $0) }.sorted()
                                        list = Self.selectNeighbours(cands, max: maxLinks, pairDistance).map(\.id)
                                    }
                                }
                                block[0] = Int32(list.count)
                                for (i, v) in list.enumerated() { block[1 + i] = v }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Stores a prepared vector and gives it a level and empty link lists; not yet linked.
    private mutating func appendNode(_ v: [Float]) -> Int32 {
        let id = Int32(store.append(v))
        // Level drawn from the exponential distribution with scale 1/ln(m), as in the paper.
        let u = max(rng.uniformDouble(), 1e-12)
        let level = Int32(Int(-log(u) / log(Double(parameters.m))))
        levels.append(level)
        links0.append(contentsOf: repeatElement(0, count: m0 + 1))
        upperOffsets.append(upperLinks.count)
        if level > 0 { upperLinks.append(contentsOf: repeatElement(0, count: Int(level) * (parameters.m + 1))) }
        return id
    }

    /// Links a stored node into the graph on every layer up to its level.
    private mutating func link(_ id: Int32) {
        let level = levels[Int(id)]
        if entryPoint < 0 {
            entryPoint = id; maxLevel = level
            return
        }
        if !isKnownUniquelyReferenced(&scratch) {
            scratch = WalkScratch(rows: store.count, maxDegree: m0, beam: parameters.efConstruction)
        }
        // Find the candidates on every layer the node joins first, then link: a layer's
        // links do not change the walk on the layers below it.
        let top = min(Int(level), Int(maxLevel))
        let found: [[Candidate]] = withGraph { g in
            let q = g.rows[Int(id)]
            var current = entryPoint
            var d = g.distance(q, current)
            for l in stride(from: Int(maxLevel), to: top, by: -1) {
                (current, d) = g.greedy(q, from: current, distance: d, level: l)
            }
            var perLayer = [[Candidate]](repeating: [], count: top + 1)
            var entries = [Candidate(distance: d, id: current)]
            for layer in stride(from: top, through: 0, by: -1) {
                perLayer[layer] = g.beam(q, entries: entries, ef: parameters.efConstruction, level: layer,
                                         scratch: scratch, accept: nil)
                entries = perLayer[layer]
            }
            return perLayer
        }
        let rowsOwner = store
        rowsOwner.withRows { rows in
            let kernel = DistanceKernel(dimension: dimension, metric: metric)
            let pairDistance = { (a: Int32, b: Int32) -> Float in kernel(rows[Int(a)], rows[Int(b)]) }
            for layer in 0...top {
                let maxLinks = layer == 0 ? m0 : parameters.m
                let chosen = Self.selectNeighbours(found[layer], max: maxLinks, pairDistance)
                setNeighbours(id, level: layer, chosen.map(\.id))
                for c in chosen {
                    var list = Array(neighbours(c.id, level: layer))
                    if list.count < maxLinks {
                        list.append(id)
                        setNeighbours(c.id, level: layer, list)
                    } else {
                        // Re-choose the neighbour's links among its old ones and the new node.
                        let cands = (list + [id]).map { Candidate(distance: pairDistance(c.id, $0), id: $0) }.sorted()
                        setNeighbours(c.id, level: layer, Self.selectNeighbours(cands, max: maxLinks, pairDistance).map(\.id))
                    }
                }
            }
        }
        if level > maxLevel { maxLevel = level; entryPoint = id }
    }

    /// The neighbour-selection heuristic of the paper (Algorithm 4): keep a candidate only
    /// if it is closer to the new node than to every neighbour kept so far, which spreads
    /// links over directions instead of bunching them in one cluster.
    static func selectNeighbours(_ sortedCandidates: [Candidate], max: Int,
                                 _ pairDistance: (Int32, Int32) -> Float) -> [Candidate] {
        guard sortedCandidates.count > max else { return sortedCandidates }
        var kept: [Candidate] = []
        kept.reserveCapacity(max)
        for c in sortedCandidates {
            var good = true
            for k in kept where pairDistance(c.id, k.id) < c.distance {
                good = false; break
            }
            if good { kept.append(c); if kept.count == max { break } }
        }
        return kept
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
        // No predicate at all in the common case (no filter, nothing deleted).
        let accept: ((Int32) -> Bool)? = filter == nil && store.liveCount == store.count ? nil : { id in
            !deleted[Int(id)] && (filter?(Int(id)) ?? true)
        }
        let beam = max(ef, k)
        let rows = store.count, degree = m0
        withGraph { g in
            out.withUnsafeMutableBufferPointer { ob in
                let obase = ob.baseAddress!
                let workers = min(2, queries.count)
                let work = WorkQueue(count: queries.count, chunk: 8)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    let scratch = WalkScratch(rows: rows, maxDegree: degree, beam: beam)
                    while let chunk = work.take() {
                        for qi in chunk {
                            obase[qi] = prepared[qi].withUnsafeBufferPointer { qb in
                                let q = qb.baseAddress!
                                var current = entryPoint
                                var d = g.distance(q, current)
                                var l = Int(maxLevel)
                                while l > 0 { (current, d) = g.greedy(q, from: current, distance: d, level: l); l -= 1 }
                                let found = g.beam(q, entries: [Candidate(distance: d, id: current)], ef: beam, level: 0,
                                                   scratch: scratch, accept: accept)
                                // Distances are negated scores for every metric (see `DistanceKernel`).
                                return found.prefix(k).map { SearchHit(id: Int($0.id), score: -$0.distance) }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    public func vector(_ id: Int) -> [Float]? { store.isLive(id) ? store.vector(id) : nil }
}
