/// A node and its distance to the query; ordered by distance, then id, so that ties break
/// the same way on every run.
struct Candidate: Comparable {
    var distance: Float
    var id: Int32
    @inline(__always)
    static func < (a: Candidate, b: Candidate) -> Bool {
        a.distance < b.distance || (a.distance == b.distance && a.id < b.id)
    }
}

/// Which end of a `CandidateHeap` comes out first.
protocol HeapOrder { static func first(_ a: Candidate, _ b: Candidate) -> Bool }
/// Closest candidate first.
enum ClosestFirst: HeapOrder { @inline(__always) static func first(_ a: Candidate, _ b: Candidate) -> Bool { a < b } }
/// Farthest candidate first.
enum FarthestFirst: HeapOrder { @inline(__always) static func first(_ a: Candidate, _ b: Candidate) -> Bool { b < a } }

/// A binary heap of candidates on manually managed storage, so that the search loop does no
/// uniqueness or bounds checks and a walk reuses the same memory for every query. The order
/// is a type parameter so comparisons inline instead of going through a stored closure.
///
/// The owner (a `WalkScratch`) frees the storage with `deallocate()`; copies of the struct
/// share it, and the owner writes the copy it worked on back after a walk (pushes may move
/// the storage when it grows).
struct CandidateHeap<Order: HeapOrder> {
    private(set) var base: UnsafeMutablePointer<Candidate>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    /// The element that `pop` returns next; the heap must not be empty.
    var top: Candidate { base[0] }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func push(_ x: Candidate) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let p = (i - 1) >> 1
            guard Order.first(x, base[p]) else { break }
            base[i] = base[p]; i = p
        }
        base[i] = x
    }

    /// Removes and returns the top; the heap must not be empty.
    @inline(__always)
    mutating func pop() -> Candidate {
        let top = base[0]
        count -= 1
        let last = base[count]
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= count { break }
            var c = l
            if l + 1 < count, Order.first(base[l + 1], base[l]) { c = l + 1 }
            guard Order.first(base[c], last) else { break }
            base[i] = base[c]; i = c
        }
        if count > 0 { base[i] = last }
        return top
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger; capacity *= 2
    }
}
