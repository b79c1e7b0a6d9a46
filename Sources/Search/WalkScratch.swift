/// Working memory of graph walks, reused so that a search or an insertion allocates nothing
/// per query: the visited table (one byte per row, holding the generation that last saw it,
/// so clearing is a bump of the generation), the two heaps of a beam search, and the
/// unvisited neighbours of the node being expanded.
///
/// One thread uses a scratch at a time: each search worker makes its own, and insertions use
/// the index's own, which `mutating` access makes exclusive. Hence `@unchecked Sendable`.
final class WalkScratch: @unchecked Sendable {
    private(set) var visited: UnsafeMutablePointer<UInt8>
    private var rows: Int
    private(set) var generation: UInt8 = 0
    var candidates: CandidateHeap<ClosestFirst>
    var results: CandidateHeap<FarthestFirst>
    /// Unvisited neighbours of one node; room for the largest degree.
    let pending: UnsafeMutablePointer<Int32>
    /// Four distances from a batched kernel call.
    let distances: UnsafeMutablePointer<Float>

    init(rows: Int, maxDegree: Int, beam: Int = 64) {
        self.rows = Swift.max(rows, 1)
        visited = .allocate(capacity: self.rows)
        visited.initialize(repeating: 0, count: self.rows)
        candidates = CandidateHeap(capacity: 2 * beam)
        results = CandidateHeap(capacity: beam + 1)
        pending = .allocate(capacity: maxDegree)
        distances = .allocate(capacity: 4)
    }

    deinit {
        visited.deallocate(); pending.deallocate(); distances.deallocate()
        candidates.deallocate(); results.deallocate()
    }

    /// Starts a walk over `count` rows: a new generation (every row unvisited), a larger
    /// table if rows were added since the last walk, and empty heaps.
    func begin(rows count: Int) {
        if count > rows {
            visited.deallocate()
            rows = Swift.max(count, 2 * rows)
            visited = .allocate(capacity: rows)
            visited.initialize(repeating: 0, count: rows)
            generation = 0
        }
        if generation == UInt8.max {
            visited.update(repeating: 0, count: rows)
            generation = 0
        }
        generation += 1
        candidates.removeAll(); results.removeAll()
    }
}
