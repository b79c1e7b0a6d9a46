/// One search result: the item's id and its score (higher is closer).
public struct SearchHit: Hashable, Sendable, Codable {
    public var id: Int
    public var score: Float
    public init(id: Int, score: Float) { self.id = id; self.score = score }
}

/// Keeps the `k` best (score, id) pairs seen, in a min-heap on the worst kept.
///
/// Ties in score go to the smaller id, so results are the same whatever order candidates
/// arrive in (block order, thread count, graph traversal order).
public struct TopK: Sendable {
    public let k: Int
    public private(set) var heap: [SearchHit] = []

    public init(k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// True if `a` ranks below `b`.
    @inline(__always)
    public static func worse(_ a: SearchHit, _ b: SearchHit) -> Bool {
        a.score < b.score || (a.score == b.score && a.id > b.id)
    }

    /// The worst score kept, or -infinity while fewer than `k` are kept.
    @inline(__always)
    public var threshold: Float { heap.count < k ? -.infinity : heap[0].score }

    @inline(__always)
    public mutating func insert(id: Int, score: Float) {
        let hit = SearchHit(id: id, score: score)
        if heap.count < k {
            heap.append(hit)
            siftUp(heap.count - 1)
        } else if k > 0, TopK.worse(heap[0], hit) {
            heap[0] = hit
            siftDown(0)
        }
    }

    /// The kept hits, best first.
    public func sorted() -> [SearchHit] {
        heap.sorted { TopK.worse($1, $0) }
    }

    private mutating func siftUp(_ i: Int) {
        var i = i
        while i > 0 {
            let p = (i - 1) / 2
            guard TopK.worse(heap[i], heap[p]) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    private mutating func siftDown(_ i: Int) {
        var i = i
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, TopK.worse(heap[l], heap[m]) { m = l }
            if r < n, TopK.worse(heap[r], heap[m]) { m = r }
            guard m != i else { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
