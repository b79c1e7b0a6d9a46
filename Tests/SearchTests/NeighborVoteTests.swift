import XCTest
import Foundation
@testable import Search

final class NeighborVoteTests: XCTestCase {
    /// Six 2-d items whose cosine similarities to item 0 are known in closed form.
    func constructed(kind: SearchIndex.Kind = .exact) throws -> SearchIndex {
        var index = SearchIndex(kind: kind, dimension: 2, metadataColumns: ["Metadata_Compound", "Metadata_MoA"])
        let items: [([Float], String, String)] = [
            ([1, 0], "a1", "A"), ([1, 0.1], "a1", "A"), ([1, 0.2], "a2", "A"),
            ([1, 0.3], "b1", "B"), ([0, 1], "c1", "C"), ([-1, 0], "u", ""),
        ]
        for (v, c, m) in items { _ = try index.add(v, fields: ["Metadata_Compound": c, "Metadata_MoA": m]) }
        return index
    }

    func testWeightedVoteExcludingSameCompound() throws {
        let index = try constructed()
        let vote = NeighborVote(k: 3, excludeSameField: "Metadata_Compound")
        let r = try vote.infer(id: 0, in: index)
        // Voters: items 2 (A), 3 (B), 4 (C, orthogonal: the 1e-3 floor); item 1 shares the compound.
        let wA = 1 / (1.0 + 0.04).squareRoot(), wB = 1 / (1.0 + 0.09).squareRoot(), wC = 1e-3
        XCTAssertEqual(r.neighbors.map(\.id), [2, 3, 4])
        XCTAssertEqual(r.label, "A")
        XCTAssertEqual(r.confidence, wA / (wA + wB + wC), accuracy: 1e-6)
        XCTAssertEqual(r.votes.map(\.label), ["A", "B", "C"])
        // The nearest neighbour overall is item 1 (same compound allowed for novelty).
        XCTAssertEqual(Double(r.bestSimilarity!), 1 / (1.0 + 0.01).squareRoot(), accuracy: 1e-6)
        XCTAssertFalse(r.novel)

        // Without the exclusion, item 1 votes too and A wins by more.
        let plain = try NeighborVote(k: 3).infer(id: 0, in: index)
        XCTAssertEqual(plain.neighbors.map(\.id), [1, 2, 3])
        let w1 = 1 / (1.0 + 0.01).squareRoot()
        XCTAssertEqual(plain.confidence, (w1 + wA) / (w1 + wA + wB), accuracy: 1e-6)
    }

    func testUnlabelledNeverVoteAndVectorQuery() throws {
        let index = try constructed(kind: .hnsw)
        let r = try NeighborVote(k: 10).infer(vector: [-1, 0.01], in: index)
        XCTAssertFalse(r.neighbors.contains { $0.id == 5 }, "item 5 has no MoA and must not vote")
        XCTAssertEqual(r.neighbors.count, 5)
        XCTAssertEqual(r.neighbors.first?.id, 4)
        XCTAssertEqual(r.bestSimilarity.map(Double.init) ?? 0, 1 / (1.0 + 0.0001).squareRoot(), accuracy: 1e-5) // item 5
        XCTAssertThrowsError(try NeighborVote(labelField: "Metadata_Nope").infer(id: 0, in: index))
    }

    func testNoveltyCalibrationAndFlag() throws {
        var index = SearchIndex(kind: .exact, dimension: 3, metadataColumns: ["Metadata_Compound", "Metadata_MoA"])
        // Controls at angles 0, 0.1, 0.3 rad in the x-y plane: nearest-neighbour similarities
        // cos(0.1), cos(0.1), cos(0.2).
        for a in [0.0, 0.1, 0.3] {
            _ = try index.add([Float(cos(a)), Float(sin(a)), 0], fields: ["Metadata_Compound": "DMSO", "Metadata_MoA": "DMSO"])
        }
        _ = try index.add([0, 0.2, 1], fields: ["Metadata_Compound": "x", "Metadata_MoA": "X"])
        let dmso = try ItemFilter(["Metadata_Compound=DMSO"])
        let p0 = try NoveltyCalibration(index: index, reference: dmso, percentile: 0)
        XCTAssertEqual(Double(p0.threshold), cos(0.2), accuracy: 1e-6)
        XCTAssertEqual(p0.referenceCount, 3)
        let p50 = try NoveltyCalibration(index: index, reference: dmso, percentile: 50)
        XCTAssertEqual(Double(p50.threshold), cos(0.1), accuracy: 1e-6)
        let p25 = try NoveltyCalibration(index: index, reference: dmso, percentile: 25)
        XCTAssertEqual(Double(p25.threshold), (cos(0.2) + cos(0.1)) / 2, accuracy: 1e-6) // numpy's linear rule

        let vote = NeighborVote(k: 2, noveltyThreshold: p0.threshold)
        XCTAssertFalse(try vote.infer(vector: [1, 0.05, 0], in: index).novel)
        XCTAssertTrue(try vote.infer(vector: [0, -1, 0], in: index).novel)
        XCTAssertThrowsError(try NoveltyCalibration(index: index, reference: ItemFilter(["Metadata_Compound=none"])))
    }

    func testAddDeleteTagsPersistWithoutRebuild() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vote-\(UUID())")
        defer { try? FileManager.default.removeItem(at: url) }
        var index = try constructed(kind: .hnsw)
        XCTAssertTrue(index.delete(2))
        index.metadata.addTag("bad", to: 3)
        try index.save(to: url)
        var reopened = try SearchIndex.open(url)
        XCTAssertNil(reopened.index.vector(2))
        XCTAssertFalse(try reopened.search(id: 0, k: 5).map(\.id).contains(2))
        XCTAssertEqual(reopened.metadata.tags[3], ["bad"])
        let id = try reopened.add([1, 0.05], fields: ["Metadata_Compound": "a3", "Metadata_MoA": "A"])
        XCTAssertEqual(id, 6)
        try reopened.save(to: url)
        let again = try SearchIndex.open(url)
        XCTAssertEqual(try again.search(id: 0, k: 1).first?.id, 6)
        XCTAssertEqual(again.index.count, 6)
    }
}
