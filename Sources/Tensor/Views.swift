extension Tensor {
    /// A copy with row-major dense layout, or `self` when already contiguous.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = Tensor.uninitialized(shape)
        let src = storage.pointer, dst = out.storage.pointer
        forEachRow(shape: shape, strides: [strides, out.strides], offsets: [offset, 0]) { off, inner, n in
            let s = inner[0], ia = off[0], io = off[1]
            for j in 0..<n { dst[io + j] = src[ia + j * s] }
        }
        return Tensor.record("contiguous", out, inputs: [self]) { g in [g] }
    }

    /// The same elements with a new shape; one axis may be -1. Copies only when the
    /// current layout cannot be viewed that way.
    public func reshape(_ newShape: [Int]) -> Tensor {
        var newShape = newShape
        if let i = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) for \(count) elements")
            newShape[i] = count / known
        }
        precondition(newShape.reduce(1, *) == count, "reshape: \(shape) (\(count) elements) cannot become \(newShape)")
        let base = contiguous()
        let view = Tensor(storage: base.storage, shape: newShape, offset: base.offset)
        let oldShape = shape
        return Tensor.record("reshape", view, inputs: [base]) { g in [g.reshape(oldShape)] }
    }

    /// Reorders axes: result axis i is input axis `order[i]`.
    public func permute(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of 0..<\(rank)")
        let view = Tensor(storage: storage, shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.record("permute", view, inputs: [self]) { g in [g.permute(inverse)] }
    }

    /// Swaps two axes (negative indices count from the end).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizeAxis(a), normalizeAxis(b))
        return permute(order)
    }

    /// Elements `start..<end` along `axis` (a view).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = normalizeAxis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax], "slice: range \(range) out of 0..<\(shape[ax]) on axis \(ax)")
        var s = shape
        s[ax] = range.count
        let view = Tensor(storage: storage, shape: s, strides: strides, offset: offset + range.lowerBound * strides[ax])
        let full = shape
        return Tensor.record("slice", view, inputs: [self]) { g in
            // Scatter the slice gradient back into zeros of the input's shape.
            let out = Tensor.zeros(full)
            let target = Tensor(storage: out.storage, shape: s, strides: out.strides, offset: range.lowerBound * out.strides[ax])
            target.copyElements(from: g)
            return [out]
        }
    }

    /// A view that repeats size-1 axes to `newShape` (stride 0), numpy broadcasting rules.
    public func expand(_ newShape: [Int]) -> Tensor {
        if newShape == shape { return self }
        precondition(newShape.count >= rank, "expand: cannot expand \(shape) to lower rank \(newShape)")
        let lead = newShape.count - rank
        var st = [Int](repeating: 0, count: newShape.count)
        for i in 0..<rank {
            if shape[i] == newShape[lead + i] { st[lead + i] = strides[i] }
            else { precondition(shape[i] == 1, "expand: axis \(i) of size \(shape[i]) cannot broadcast to \(newShape[lead + i])") }
        }
        let view = Tensor(storage: storage, shape: newShape, strides: st, offset: offset)
        let original = shape
        return Tensor.record("expand", view, inputs: [self]) { g in [g.sumTo(original)] }
    }

    /// Inserts a size-1 axis at `axis`.
    public func unsqueeze(_ axis: Int) -> Tensor {
        var s = shape
        s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshape(s)
    }

    /// Flattens axes `from...` into one.
    public func flatten(from axis: Int = 1) -> Tensor {
        reshape(Array(shape[..<axis]) + [-1])
    }

    func normalizeAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for rank \(rank)")
        return a
    }

    /// Writes `source`'s elements (broadcast to this shape) into this tensor's storage,
    /// not recorded: the primitive under slicing's backward, concat and optimizer updates.
    public func copyElements(from source: Tensor) {
        let src = source.expandedStrides(to: shape)
        let sp = source.storage.pointer, dp = storage.pointer
        forEachRow(shape: shape, strides: [src, strides], offsets: [source.offset, offset]) { off, inner, n in
            let ss = inner[0], ds = inner[1], a = off[0], o = off[1]
            for j in 0..<n { dp[o + j * ds] = sp[a + j * ss] }
        }
    }

    /// Strides that read this tensor broadcast to `target` (0 on repeated axes).
    func expandedStrides(to target: [Int]) -> [Int] {
        let lead = target.count - rank
        precondition(lead >= 0, "broadcast: \(shape) cannot broadcast to \(target)")
        var st = [Int](repeating: 0, count: target.count)
        for i in 0..<rank {
            if shape[i] == target[lead + i] { st[lead + i] = strides[i] }
            else { precondition(shape[i] == 1, "broadcast: \(shape) cannot broadcast to \(target)") }
        }
        return st
    }
}
