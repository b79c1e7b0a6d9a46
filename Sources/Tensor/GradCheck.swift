/// Finite-difference gradient checking: the independent reference for every backward.
///
/// The function's output is projected onto fixed random weights r (so every output
/// element's gradient is exercised) and the scalar sum(r * f(x)) is accumulated in
/// Double. Each input element is nudged by +-eps and the central difference compared
/// with the gradient from `backward(r)`.
public enum GradCheck {
    public struct Report: CustomStringConvertible, Sendable {
        /// The worst |analytic - numeric| / (atol + rtol * |numeric|) over all elements; <= 1 passes.
        public let worstRatio: Double
        public let worstInput: Int
        public let worstIndex: Int
        public let analytic: Double
        public let numeric: Double
        public var passed: Bool { worstRatio <= 1 }
        public var description: String {
            "worst ratio \(worstRatio) at input \(worstInput)[\(worstIndex)]: analytic \(analytic), numeric \(numeric)"
        }
    }

    public static func check(_ inputs: [Tensor], eps: Float = 1e-2, atol: Double = 1e-3, rtol: Double = 1e-2, seed: UInt64 = 7,
                             _ f: ([Tensor]) -> Tensor) -> Report {
        for x in inputs { x.requiresGrad = true; x.grad = nil }
        let out = f(inputs)
        var rng = RandomGenerator(seed: seed)
        let r = Tensor.uniform(out.shape, low: -1, high: 1, rng: &rng)
        let rv = r.toArray().map(Double.init)
        out.backward(r)
        func project(_ y: Tensor) -> Double {
            zip(y.toArray(), rv).reduce(0) { $0 + Double($1.0) * $1.1 }
        }
        var worst = Report(worstRatio: 0, worstInput: -1, worstIndex: -1, analytic: 0, numeric: 0)
        for (k, x) in inputs.enumerated() {
            precondition(x.isContiguous, "GradCheck: inputs must be contiguous")
            let analytic = x.grad?.toArray() ?? [Float](repeating: 0, count: x.count)
            for i in 0..<x.count {
                let p = x.dataPointer + i
                let saved = p.pointee
                p.pointee = saved + eps
                let plus = withNoGrad { project(f(inputs)) }
                p.pointee = saved - eps
                let minus = withNoGrad { project(f(inputs)) }
                p.pointee = saved
                let numeric = (plus - minus) / (2 * Double(eps))
                let a = Double(analytic[i])
                let ratio = Swift.abs(a - numeric) / (atol + rtol * Swift.abs(numeric))
                if ratio > worst.worstRatio || worst.worstInput < 0 {
                    worst = Report(worstRatio: ratio, worstInput: k, worstIndex: i, analytic: a, numeric: numeric)
                }
            }
        }
        return worst
    }
}
