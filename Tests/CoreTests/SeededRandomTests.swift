import XCTest
@testable import Core

final class SeededRandomTests: XCTestCase {
    func testSameSeedSameSequenceAndStreamsDiffer() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let xa = (0..<8).map { _ in a.next() }, xb = (0..<8).map { _ in b.next() }, xc = (0..<8).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
        var s1 = SeededRandom(seed: 1, stream: [1, 2]), s2 = SeededRandom(seed: 1, stream: [2, 1])
        XCTAssertNotEqual(s1.next(), s2.next())
        XCTAssertEqual(SeededRandom.hash("Week1_22123"), SeededRandom.hash("Week1_22123"))
        XCTAssertNotEqual(SeededRandom.hash("Week1_22123"), SeededRandom.hash("Week1_22141"))
    }

    func testKnownSplitMix64Outputs() {
        // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var r = SeededRandom(seed: 1_234_567)
        XCTAssertEqual(r.next(), 6_457_827_717_110_365_317)
        XCTAssertEqual(r.next(), 3_203_168_211_198_807_973)
    }

    func testDistributionsHaveTheirMoments() {
        var r = SeededRandom(seed: 7)
        let n = 200_000
        func moments(_ f: () -> Float) -> (Double, Double) {
            var s = 0.0, s2 = 0.0
            for _ in 0..<n { let v = Double(f()); s += v; s2 += v * v }
            return (s / Double(n), s2 / Double(n) - (s / Double(n)) * (s / Double(n)))
        }
        let (m1, v1) = moments { r.normal() }
        XCTAssertEqual(m1, 0, accuracy: 0.01); XCTAssertEqual(v1, 1, accuracy: 0.02)
        let (m2, v2) = moments { r.fastNormal() }
        XCTAssertEqual(m2, 0, accuracy: 0.01); XCTAssertEqual(v2, 1, accuracy: 0.02)
        let (m3, v3) = moments { r.uniform() }
        XCTAssertEqual(m3, 0.5, accuracy: 0.005); XCTAssertEqual(v3, 1.0 / 12, accuracy: 0.002)
        for lambda: Float in [0.5, 4, 50] {
            let (m, v) = moments { Float(r.poisson(lambda)) }
            XCTAssertEqual(m, Double(lambda), accuracy: 0.02 * Double(lambda) + 0.01)
            XCTAssertEqual(v, Double(lambda), accuracy: 0.05 * Double(lambda) + 0.02)
        }
    }
}
