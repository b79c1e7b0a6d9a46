import Foundation

/// Linear warmup from `warmupStart` to `base` over `warmupSteps` steps, then cosine decay
/// from `base` to `final` over the remaining steps: the values of dino's
/// `utils.cosine_scheduler(base, final, epochs, niter_per_ep, warmup_epochs,
/// start_warmup_value)` with `totalSteps = epochs * niter_per_ep`, computed in Double as
/// numpy does. Used for the learning rate, the weight decay and the teacher momentum; with
/// `base == final` it is DINO's teacher-temperature schedule (linear warmup, then constant).
/// Steps past the end keep the last value.
public struct CosineSchedule: Sendable {
    public let base, final: Float
    public let totalSteps, warmupSteps: Int
    public let warmupStart: Float

    public init(base: Float, final: Float, totalSteps: Int, warmupSteps: Int, warmupStart: Float = 0) {
        precondition(totalSteps >= 1 && warmupSteps >= 0 && warmupSteps <= totalSteps,
                     "CosineSchedule: need 0 <= warmupSteps (\(warmupSteps)) <= totalSteps (\(totalSteps)), totalSteps >= 1")
        self.base = base
        self.final = final
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.warmupStart = warmupStart
    }

    public func value(at step: Int) -> Float {
        let s = Swift.min(Swift.max(step, 0), totalSteps - 1)
        let b = Double(base), f = Double(final), w = Double(warmupStart)
        if s < warmupSteps {
            // np.linspace(start, base, warmupSteps): both ends included.
            if warmupSteps == 1 { return warmupStart }
            if s == warmupSteps - 1 { return base }
            return Float(w + Double(s) * ((b - w) / Double(warmupSteps - 1)))
        }
        let i = Double(s - warmupSteps), n = Double(totalSteps - warmupSteps)
        return Float(f + 0.5 * (b - f) * (1 + cos(Double.pi * i / n)))
    }
}
