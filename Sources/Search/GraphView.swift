import CVectorKernels

/// Read-only pointers into an HNSW graph and its rows, for the length of one walk (search or
/// the search half of an insertion), with the two walks the paper defines on one layer:
/// greedy descent and beam search.
///
/// Everything in the loops goes through raw pointers (no array bounds or uniqueness checks,
/// no retain/release), distances are computed four at a time, and the rows of a node's
/// unvisited neighbours are prefetched before the first of them is compared.
struct GraphView {
    let rows: VectorStore.Rows
    let kernel: DistanceKernel
    /// Bottom-layer links, `m0 + 1` slots per node, slot 0 holding the count.
    let links0: UnsafePointer<Int32>
    /// Upper-layer links, `m + 1` slots per layer, at `upperOffsets[node]` for layers 1...level.
    let upper: UnsafePointer<Int32>?
    let upperOffsets: UnsafePointer<Int>
    let m: Int
    let m0: Int

    /// Where a node's link block on `level` starts: the count, then the links.
    @inline(__always)
    func linksStart(_ node: Int32, level: Int) -> UnsafePointer<Int32> {
        level == 0 ? links0 + Int(node) * (m0 + 1) : upper! + upperOffsets[Int(node)] + (level - 1) * (m + 1)
    }

    @inline(__always)
    func neighbours(_ node: Int32, level: Int) -> UnsafeBufferPointer<Int32> {
        let p = linksStart(node, level: level)
        return UnsafeBufferPointer(start: p + 1, count: Int(p[0]))
    }

    @inline(__always)
    func distance(_ q: UnsafePointer<Float>, _ id: Int32) -> Float { kernel(q, rows[Int(id)]) }

    /// Moves to the closest neighbour until none is closer (ties to the lower id).
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

    /// Beam search on one layer: up to `ef` closest nodes that `accept` takes (all when nil),
    /// closest first. Rejected nodes are still walked through.
    func beam(_ q: UnsafePointer<Float>, entries: [Candidate], ef: Int, level: Int,
              scratch: WalkScratch, accept: ((Int32) -> Bool)?) -> [Candidate] {
        scratch.begin(rows: rows.count)
        let visited = scratch.visited, generation = scratch.generation
        let pending = scratch.pending, dist = scratch.distances
        var candidates = scratch.candidates, results = scratch.results
        let rowBytes = kernel.dimension * MemoryLayout<Float>.stride

        @inline(__always)
        func consider(_ d: Float, _ n: Int32) {
            guard results.count < ef || d < results.top.distance else { return }
            candidates.push(Candidate(distance: d, id: n))
            if accept?(n) ?? true {
                results.push(Candidate(distance: d, id: n))
                if results.count > ef { _ = results.pop() }
            }
        }

        for e in entries {
            visited[Int(e.id)] = generation
            candidates.push(e)
            if accept?(e.id) ?? true {
                results.push(e)
                if results.count > ef { _ = results.pop() }
            }
        }
        while candidates.count > 0 {
            let c = candidates.pop()
            if results.count >= ef, c.distance > results.top.distance { break }
            // The next expansion's links, likely the current top, load while this one runs;
            // the visited bytes of this node's neighbours load before they are tested.
            if candidates.count > 0 { pvk_prefetch(linksStart(candidates.top.id, level: level), 64) }
            let around = neighbours(c.id, level: level)
            for n in around { pvk_prefetch(visited + Int(n), 1) }
            var np = 0
            for n in around where visited[Int(n)] != generation {
                visited[Int(n)] = generation
                pending[np] = n; np += 1
                pvk_prefetch(rows[Int(n)], rowBytes)
            }
            var j = 0
            while j + 4 <= np {
                kernel.four(q, rows[Int(pending[j])], rows[Int(pending[j + 1])], rows[Int(pending[j + 2])],
                            rows[Int(pending[j + 3])], into: dist)
                consider(dist[0], pending[j]); consider(dist[1], pending[j + 1])
                consider(dist[2], pending[j + 2]); consider(dist[3], pending[j + 3])
                j += 4
            }
            while j < np { consider(distance(q, pending[j]), pending[j]); j += 1 }
        }
        var out = [Candidate](repeating: Candidate(distance: 0, id: 0), count: results.count)
        var i = out.count
        while results.count > 0 { i -= 1; out[i] = results.pop() }
        scratch.candidates = candidates; scratch.results = results
        return out
    }
}
