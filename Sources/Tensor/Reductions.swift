extension Tensor {
    /// Moves `axes` last and returns (contiguous data, kept shape with 1s, outer count, row length).
    private func reductionLayout(_ axes: [Int]) -> (Tensor, [Int], Int, Int) {
        let ax = Set(axes.map(normalizeAxis))
        let kept = (0..<rank).filter { !ax.contains($0) }
        let reduced = (0..<rank).filter { ax.contains($0) }
        let data = withNoGrad { permute(kept + reduced).contiguous() }
        let keepShape = (0..<rank).map { ax.contains($0) ? 1 : shape[$0] }
        let rowLength = reduced.map { shape[$0] }.reduce(1, *)
        return (data, keepShape, count / Swift.max(rowLength, 1), rowLength)
    }

    private func finishShape(_ keepShape: [Int], _ axes: [Int], keepDims: Bool) -> [Int] {
        if keepDims { return keepShape }
        let ax = Set(axes.map(normalizeAxis))
        return (0..<rank).filter { !ax.contains($0) }.map { shape[$0] }
    }

    /// Sum over `axes` (all axes when nil), accumulated in Double.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let inShape = shape
        let reduced = Set(axes.map(normalizeAxis))
        if isContiguous && !reduced.isEmpty && reduced.count < rank && reduced == Set(0..<reduced.count) {
            // Leading axes (a bias gradient over batch and tokens): accumulate columns in
            // place instead of transposing the data first; same Double sums in the same order.
            let keepShape = (0..<rank).map { reduced.contains($0) ? 1 : shape[$0] }
            let inner = keepShape.reduce(1, *), rows = count / Swift.max(inner, 1)
            var acc = [Double](repeating: 0, count: inner)
            let src = dataPointer
            acc.withUnsafeMutableBufferPointer { a in
                for r in 0..<rows {
                    let base = src + r * inner
                    for j in 0..<inner { a[j] += Double(base[j]) }
                }
            }
            let out = Tensor(shape: finishShape(keepShape, axes, keepDims: keepDims), acc.map { Float($0) })
            return Tensor.record("sum", out, inputs: [self]) { g in [g.reshape(keepShape).expand(inShape)] }
        }
        let (data, keepShape, outer, row) = reductionLayout(axes)
        let out = Tensor.uninitialized(finishShape(keepShape, axes, keepDims: keepDims))
        let src = data.dataPointer, dst = out.storage.pointer
        for o in 0..<outer {
            var acc = 0.0
            let base = src + o * row
            for j in 0..<row { acc += Double(base[j]) }
            dst[o] = Float(acc)
        }
        return Tensor.record("sum", out, inputs: [self]) { g in [g.reshape(keepShape).expand(inShape)] }
    }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let n = axes.map { shape[normalizeAxis($0)] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(n))
    }

    /// Maximum over `axes`; the gradient is shared equally among tied maxima (like `amax`).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let (data, keepShape, outer, row) = reductionLayout(axes)
        let out = Tensor.uninitialized(finishShape(keepShape, axes, keepDims: keepDims))
        let src = data.dataPointer, dst = out.storage.pointer
        for o in 0..<outer {
            let base = src + o * row
            var m = -Float.infinity
            for j in 0..<row where base[j] > m { m = base[j] }
            dst[o] = m
        }
        let xd = detached(), od = out.detached(), inShape = shape
        return Tensor.record("max", out, inputs: [self]) { g in
            let m = od.reshape(keepShape)
            let mask = Tensor.mapBinary(xd, m) { $0 == $1 ? 1 : 0 }
            let ties = mask.sum(axes: axes, keepDims: true)
            return [(mask / ties * g.reshape(keepShape)).expand(inShape).contiguous()]
        }
    }

    /// Index of the maximum along the last axis (not differentiable).
    public func argmaxLastAxis() -> [Int] {
        let c = contiguousData()
        let row = shape.last ?? 1
        return (0..<(count / row)).map { r in
            let base = c.dataPointer + r * row
            var best = 0
            for j in 1..<row where base[j] > base[best] { best = j }
            return best
        }
    }
}
