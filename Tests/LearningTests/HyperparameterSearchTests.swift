import XCTest
@testable import Learning

final class HyperparameterSearchTests: XCTestCase {
    func search(_ strategy: HyperparameterSearch.Strategy = .successiveHalving) -> HyperparameterSearch {
        var s = HyperparameterSearch(space: [
            (key: "optimizer.lr", distribution: .logUniform(1e-4, 1e-1)),
            (key: "temperature", distribution: .uniform(0.05, 0.5)),
            (key: "batch_size", distribution: .choice(["32", "64"])),
            (key: "depth", distribution: .integer(2, 4)),
        ])
        s.strategy = strategy
        s.seed = 11
        return s
    }

    func testSamplingIsSeededAndInRange() {
        let a = search().assignments(trials: 20), b = search().assignments(trials: 20)
        XCTAssertEqual(a, b)
        var other = search(); other.seed = 12
        XCTAssertNotEqual(a, other.assignments(trials: 20))
        for t in a {
            let lr = Double(t["optimizer.lr"]!)!, temp = Double(t["temperature"]!)!, depth = Int(t["depth"]!)!
            XCTAssertTrue((1e-4...1e-1).contains(lr) && (0.05...0.5).contains(temp) && (2...4).contains(depth), "\(t)")
            XCTAssertTrue(["32", "64"].contains(t["batch_size"]!))
        }
        XCTAssertEqual(Set(a.map { $0["depth"]! }), ["2", "3", "4"], "every integer value is reachable")
    }

    /// Successive halving with eta 3 over budgets 1, 3, 9: 9 trials, then 3, then 1, each
    /// continued trial resuming; the survivors are the best of their rung.
    func testSuccessiveHalvingPromotesTheBestThird() throws {
        let s = search()
        XCTAssertEqual(s.rungs, [1, 3, 9])
        // The metric grows with the budget and peaks at lr = 1e-2.
        func metric(_ r: HyperparameterSearch.Request) -> Double {
            -abs(log10(Double(r.assignment["optimizer.lr"]!)!) + 2) + Double(r.budget) / 100
        }
        var calls: [[HyperparameterSearch.Request]] = []
        let result = try s.run(trials: 9) { requests in calls.append(requests); return requests.map(metric) }
        XCTAssertEqual(calls.map(\.count), [9, 3, 1])
        XCTAssertEqual(calls.map { $0.map(\.resume) }, [Array(repeating: false, count: 9), [true, true, true], [true]])
        XCTAssertEqual(calls.map { $0.map(\.budget) }, [Array(repeating: 1, count: 9), [3, 3, 3], [9]])
        let firstRung = calls[0].sorted { metric($0) > metric($1) }
        XCTAssertEqual(Set(calls[1].map(\.index)), Set(firstRung.prefix(3).map(\.index)))
        XCTAssertEqual(result.best.index, firstRung[0].index)
        XCTAssertEqual(result.best.budget, 9)
        XCTAssertEqual(result.records.count, 13)
    }

    func testRandomSearchRunsEveryTrialOnceAtFullBudgetAndNaNLoses() throws {
        var s = search(.random)
        s.goal = .min
        let result = try s.run(trials: 5) { requests in
            XCTAssertEqual(requests.map(\.budget), Array(repeating: 9, count: 5))
            return requests.map { $0.index == 0 ? .nan : Double(10 - $0.index) }
        }
        XCTAssertEqual(result.records.count, 5)
        XCTAssertEqual(result.best.index, 4, "lowest metric wins with goal min; NaN never does")
    }
}
