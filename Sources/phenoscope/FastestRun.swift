import Foundation

/// Runs `body` `repeats` times (at least once), passing the pass index, and returns the last
/// pass's result with the fastest pass's seconds. The benchmark verbs report the fastest pass:
/// on a shared machine it is the one least disturbed by other load.
func fastestRun<R>(repeats: Int, _ body: (Int) throws -> R) rethrows -> (result: R, seconds: Double) {
    var best = Double.infinity
    var result: R?
    for pass in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        result = try body(pass)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (result!, best)
}
