import Core
import XCTest
import Foundation
@testable import Profiling

/// UMAP against umap-learn on the same data (scripts/reference/umap_fixture.py).
final class UMAPTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/umap")

    func testCurveParametersMatchUmapLearn() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("expected.json"))) as! [String: Any]
        let (a, b) = UMAP.fitAB(spread: 1, minDist: 0.1)
        XCTAssertEqual(Double(a), expected["a"] as! Double, accuracy: 2e-3)
        XCTAssertEqual(Double(b), expected["b"] as! Double, accuracy: 2e-3)
    }

    func testTrustworthinessWithinTwoHundredthsOfUmapLearn() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("expected.json"))) as! [String: Any]
        let x = try NPYArray.read(fixtures.appendingPathComponent("digits.npy"))
        let (n, d) = (x.shape[0], x.shape[1])
        let data = x.floats()
        var umap = UMAP()
        umap.seed = 7
        let y = umap.fit(data, count: n, dimension: d)
        XCTAssertEqual(y.count, n * 2)
        XCTAssertTrue(y.allSatisfy(\.isFinite))
        let ours = Trustworthiness.score(original: data, dimension: d, embedded: y, embeddedDimension: 2, count: n, k: 15)
        let theirs = expected["trustworthiness_k15"] as! Double
        XCTAssertGreaterThanOrEqual(ours, theirs - 0.02, "ours \(ours), umap-learn \(theirs)")
        // Same seed, same embedding.
        XCTAssertEqual(umap.fit(data, count: n, dimension: d), y)
    }

    func testTrustworthinessKnownAnswers() {
        // An embedding identical to the data is perfectly trustworthy.
        var rng = SeededRandom(seed: 1)
        let x = (0..<(60 * 3)).map { _ in Float(rng.uniformDouble()) }
        XCTAssertEqual(Trustworthiness.score(original: x, dimension: 3, embedded: x, embeddedDimension: 3, count: 60, k: 5), 1, accuracy: 1e-12)
        // A random embedding of structured data is far from it.
        let r = (0..<(60 * 2)).map { _ in Float(rng.uniformDouble()) }
        XCTAssertLessThan(Trustworthiness.score(original: x, dimension: 3, embedded: r, embeddedDimension: 2, count: 60, k: 5), 0.8)
    }
}
