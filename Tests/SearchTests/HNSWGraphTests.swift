import Core
import XCTest
import Foundation
@testable import Search

/// The pieces under the HNSW walk: the AVX2 distance kernels against a Double reference,
/// the candidate heaps, batch insertion, the visited-table generations, and the checks on
/// a saved graph.
final class HNSWGraphTests: XCTestCase {
    func testDistanceKernelsMatchADoubleReference() throws {
        var rng = SeededRandom(seed: 11)
        for dim in [1, 7, 8, 15, 33, 128] {
            let rows = (0..<5).map { _ in (0..<dim).map { _ in rng.uniform(-1, 1) } }
            let kernels = [DistanceKernel(dimension: dim, metric: .innerProduct, avx2: false),
                           DistanceKernel(dimension: dim, metric: .l2, avx2: false)]
                + (DistanceKernel.cpuHasAVX2FMA ? [DistanceKernel(dimension: dim, metric: .innerProduct, avx2: true),
                                                   DistanceKernel(dimension: dim, metric: .l2, avx2: true)] : [])
            for kernel in kernels {
                func reference(_ a: [Float], _ b: [Float]) -> Double {
                    kernel.l2 ? zip(a, b).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
                              : -zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                }
                let p = rows.map { r -> UnsafeMutablePointer<Float> in
                    let q = UnsafeMutablePointer<Float>.allocate(capacity: dim)
                    q.initialize(from: r, count: dim)
                    return q
                }
                defer { p.forEach { $0.deallocate() } }
                for i in 1..<5 {
                    XCTAssertEqual(Double(kernel(p[0], p[i])), reference(rows[0], rows[i]), accuracy: 1e-5 * Double(dim),
                                   "dim \(dim) l2 \(kernel.l2) avx2 \(kernel.avx2)")
                }
                var four = [Float](repeating: 0, count: 4)
                four.withUnsafeMutableBufferPointer { kernel.four(p[0], p[1], p[2], p[3], p[4], into: $0.baseAddress!) }
                for i in 0..<4 {
                    XCTAssertEqual(Double(four[i]), reference(rows[0], rows[i + 1]), accuracy: 1e-5 * Double(dim))
                }
            }
        }
    }

    func testCandidateHeapsPopInOrderAndGrow() {
        var rng = SeededRandom(seed: 12)
        // Few distinct distances, so that ties (broken by id) are exercised.
        let items = (0..<300).map { Candidate(distance: Float(rng.int(below: 20)), id: Int32($0)) }
        var closest = CandidateHeap<ClosestFirst>(capacity: 4)
        var farthest = CandidateHeap<FarthestFirst>(capacity: 4)
        defer { closest.deallocate(); farthest.deallocate() }
        for c in items { closest.push(c); farthest.push(c) }
        XCTAssertEqual(closest.count, 300)
        var up: [Candidate] = [], down: [Candidate] = []
        while closest.count > 0 { up.append(closest.pop()) }
        while farthest.count > 0 { down.append(farthest.pop()) }
        XCTAssertEqual(up, items.sorted())
        XCTAssertEqual(down, items.sorted().reversed())
    }

    func testBatchAddIsSeededKeepsLevelsAndFindsNeighbours() throws {
        let data = SearchIndexTests.vectors(3000, 24, seed: 13)
        let queries = SearchIndexTests.vectors(60, 24, seed: 14)
        let flat = data.flatMap { $0 }
        let parameters = HNSWIndex.Parameters(m: 12, efConstruction: 64, efSearch: 128, seed: 5)
        var a = HNSWIndex(dimension: 24, parameters: parameters)
        var b = HNSWIndex(dimension: 24, parameters: parameters)
        var oneByOne = HNSWIndex(dimension: 24, parameters: parameters)
        var reported = 0
        XCTAssertEqual(try a.add(rows: flat) { reported = $0 }, 0..<3000)
        XCTAssertEqual(reported, 3000)
        try b.add(rows: flat)
        for v in data { _ = try oneByOne.add(v) }
        XCTAssertEqual(a.levels, oneByOne.levels, "levels are drawn in id order either way")
        XCTAssertEqual(a.links0, b.links0, "same seed, same graph")
        var exact = ExactIndex(dimension: 24)
        for v in data { _ = try exact.add(v) }
        let truth = try exact.search(queries, k: 10)
        for index in [a, oneByOne] {
            let found = zip(truth, try index.search(queries, k: 10))
                .map { Set($0.map(\.id)).intersection($1.map(\.id)).count }.reduce(0, +)
            XCTAssertGreaterThanOrEqual(Double(found) / Double(10 * queries.count), 0.95)
        }
        XCTAssertEqual(try a.search(queries, k: 10), try b.search(queries, k: 10))
        // A bad row is named, and nothing is added.
        var bad = flat
        bad[24 * 7 + 3] = .nan
        XCTAssertThrowsError(try b.add(rows: bad)) { XCTAssertTrue("\($0)".hasPrefix("row 7:"), "\($0)") }
        XCTAssertThrowsError(try b.add(rows: [1, 2, 3]))
        XCTAssertEqual(b.count, 3000)
    }

    /// Parallel linking builds the same graph on 1, 2 and 5 threads (batches search a frozen
    /// graph, links are applied in a fixed order), also when a second add extends a graph;
    /// and batches were really used (the graph differs from one-by-one insertion in the same
    /// order is not checkable, so: more rows than the first sequential stretch).
    func testParallelBuildIsTheSameGraphOnAnyThreadCount() throws {
        let data = SearchIndexTests.vectors(6000, 16, seed: 21).flatMap { $0 }
        let half = data.count / 2
        let parameters = HNSWIndex.Parameters(m: 8, efConstruction: 32, efSearch: 64, seed: 3)
        var graphs: [HNSWIndex] = []
        for threads in [1, 2, 5] {
            var index = HNSWIndex(dimension: 16, parameters: parameters)
            try index.add(rows: Array(data[..<half]), threads: threads)
            try index.add(rows: Array(data[half...]), threads: threads)
            graphs.append(index)
        }
        for g in graphs.dropFirst() {
            XCTAssertEqual(g.links0, graphs[0].links0)
            XCTAssertEqual(g.upperLinks, graphs[0].upperLinks)
            XCTAssertEqual(g.entryPoint, graphs[0].entryPoint)
        }
        // Every node is linked: the bottom layer has no isolated node.
        let m0 = 2 * parameters.m
        for id in 0..<6000 { XCTAssertGreaterThan(graphs[0].links0[id * (m0 + 1)], 0, "node \(id)") }
        // No node links to itself or twice to the same neighbour.
        for id in 0..<6000 {
            let list = graphs[0].neighbours(Int32(id), level: 0)
            XCTAssertFalse(list.contains(Int32(id)))
            XCTAssertEqual(Set(list).count, list.count)
        }
    }

    func testVisitedGenerationsWrapAround() throws {
        // One worker walks hundreds of queries, more than the 255 generations of a byte.
        let data = SearchIndexTests.vectors(800, 8, seed: 15)
        var index = HNSWIndex(dimension: 8, parameters: .init(m: 8, efConstruction: 32, efSearch: 32, seed: 1))
        try index.add(rows: data.flatMap { $0 })
        let queries = Array(repeating: data[3], count: 700)
        let hits = try index.search(queries, k: 5)
        XCTAssertEqual(hits[0].first?.id, 3)
        XCTAssertTrue(hits.allSatisfy { $0 == hits[0] })
    }

    func testDamagedGraphIsRejectedOnOpen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graph-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var index = SearchIndex(kind: .hnsw, dimension: 8)
        for v in SearchIndexTests.vectors(200, 8, seed: 16) { _ = try index.add(v, fields: [:]) }
        try index.save(to: dir)
        let links = dir.appendingPathComponent("hnsw_links0.i32")
        var slots = try [Int32](file: links)
        slots[1] = 5000 // node 0's first link points past the last node
        try Data(from: slots).write(to: links)
        XCTAssertThrowsError(try SearchIndex.open(dir)) { XCTAssertTrue("\($0)".contains("link to 5000"), "\($0)") }
        slots[1] = 1; slots[0] = 99 // more links than a node can have
        try Data(from: slots).write(to: links)
        XCTAssertThrowsError(try SearchIndex.open(dir)) { XCTAssertTrue("\($0)".contains("link count 99"), "\($0)") }
    }
}
