import CVectorKernels
import XCTest
@testable import Search

/// The tiled GEMM search: the same hits, scores equal to float rounding, whatever the tile shape (tiles of
/// a few rows and queries cross every boundary the 1024-row tiles cross on large indexes),
/// every hit checked against an independent double-precision brute force, ties (duplicate
/// rows in different tiles) to the smaller id, and filters applied inside a tile.
final class BruteForceKNNTests: XCTestCase {
    func run(_ data: [[Float]], _ queries: [[Float]], k: Int, score: BruteForceKNN.Score,
             tiling: BruteForceKNN.Tiling, accept: ((Int) -> Bool)? = nil) -> [[SearchHit]] {
        let d = data[0].count
        let flat = data.flatMap { $0 }, q = queries.flatMap { $0 }
        let norms = data.map { v in v.reduce(0) { $0 + $1 * $1 } }
        var heaps = Array(repeating: TopK(k: k), count: queries.count)
        flat.withUnsafeBufferPointer { fp in
            q.withUnsafeBufferPointer { qp in
                norms.withUnsafeBufferPointer { np in
                    BruteForceKNN.search(queries: qp, dimension: d, rows: fp.baseAddress!, count: data.count, firstID: 0,
                                         score: score, rowNorms: np, heaps: &heaps, accept: accept, tiling: tiling)
                }
            }
        }
        return heaps.map { $0.sorted() }
    }

    func testEveryTilingGivesTheSameExactHits() throws {
        var data = SearchIndexTests.vectors(1500, 40, seed: 11)
        // Duplicates of row 3 far from it, so a tie spans tiles: the smaller id must come first.
        data[1400] = data[3]; data[777] = data[3]
        let queries = SearchIndexTests.vectors(37, 40, seed: 12) + [data[3]]
        let tilings = [BruteForceKNN.Tiling.standard, .init(rows: 7, scratchFloats: 35), .init(rows: 100, scratchFloats: 1600),
                       .init(rows: 1, scratchFloats: 1), .init(rows: 4096, scratchFloats: 4096 * 3)]
        for score in [BruteForceKNN.Score.innerProduct, .negativeSquaredL2] {
            let metric: Metric = score == .innerProduct ? .innerProduct : .l2
            let reference = run(data, queries, k: 9, score: score, tiling: tilings[0])
            for (q, hits) in zip(queries, reference) {
                XCTAssertEqual(hits.map(\.id), SearchIndexTests.bruteForce(data, q, k: 9, metric: metric), "\(score)")
            }
            let tie = reference.last!.map(\.id)
            if score == .innerProduct {
                // Row 3 against itself ranks below rows of larger norm, but its duplicates tie with it.
                let at = try XCTUnwrap(tie.firstIndex(of: 3))
                XCTAssertEqual(Array(tie[at...].prefix(3)), [3, 777, 1400])
            } else {
                XCTAssertEqual(Array(tie.prefix(3)), [3, 777, 1400])
            }
            for tiling in tilings.dropFirst() {
                // OpenBLAS sums a score in another order at a tile's ragged edge, so scores agree
                // to float rounding; the hits and their order are the same.
                let hits = run(data, queries, k: 9, score: score, tiling: tiling)
                XCTAssertEqual(hits.map { $0.map(\.id) }, reference.map { $0.map(\.id) }, "\(score) \(tiling)")
                for (a, b) in zip(hits.joined(), reference.joined()) {
                    XCTAssertEqual(a.score, b.score, accuracy: 1e-5 * max(1, abs(b.score)), "\(score) \(tiling)")
                }
            }
            let odd: (Int) -> Bool = { $0 % 2 == 1 }
            let filtered = run(data, queries, k: 5, score: score, tiling: .init(rows: 13, scratchFloats: 13 * 4), accept: odd)
            for (q, hits) in zip(queries, filtered) {
                XCTAssertEqual(hits.map(\.id), SearchIndexTests.bruteForce(data, q, k: 5, metric: metric) { !odd($0) })
            }
        }
    }

    func testPortableScanAgreesWithTheAVX2Scan() {
        let row: [Float] = (0..<100).map { Float(($0 * 37) % 101) / 10 }
        row.withUnsafeBufferPointer { p in
            for t: Float in [-1, 0, 3.3, 9.9, 10.1, .infinity] {
                for from in [0, 5, 31, 32, 33, 99, 100] {
                    let portable = BruteForceKNN.firstAtLeast(p.baseAddress!, from: from, count: 100, t)
                    let expected = (from..<100).first { row[$0] >= t } ?? 100
                    XCTAssertEqual(portable, expected)
                    if DistanceKernel.cpuHasAVX2FMA {
                        XCTAssertEqual(pvk_first_at_least_avx2(p.baseAddress!, from, 100, t), expected, "t \(t) from \(from)")
                    }
                }
            }
        }
    }
}
