extension Tensor {
    /// Joins tensors along `axis`; all other axes must match.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors")
        let ax = parts[0].normalizeAxis(axis)
        var shape = parts[0].shape
        for p in parts.dropFirst() {
            precondition(p.rank == shape.count && (0..<p.rank).allSatisfy { $0 == ax || p.shape[$0] == shape[$0] },
                         "concat: shape \(p.shape) does not match \(shape) off axis \(ax)")
        }
        shape[ax] = parts.map { $0.shape[ax] }.reduce(0, +)
        let out = Tensor.zeros(shape)
        var start = 0
        var ranges: [Range<Int>] = []
        for p in parts {
            var s = shape
            s[ax] = p.shape[ax]
            Tensor(storage: out.storage, shape: s, strides: out.strides, offset: start * out.strides[ax]).copyElements(from: p)
            ranges.append(start..<(start + p.shape[ax]))
            start += p.shape[ax]
        }
        return record("concat", out, inputs: parts) { g in ranges.map { g.slice(axis: ax, $0).contiguous() } }
    }

    /// Rows `indices` of axis 0 (an embedding lookup / batch gather); the gradient
    /// scatter-adds back, so repeated indices accumulate.
    public func indexSelect(_ indices: [Int]) -> Tensor {
        let src = contiguousData()
        let row = count / Swift.max(shape[0], 1)
        var outShape = shape
        outShape[0] = indices.count
        let out = Tensor.zeros(outShape)
        for (i, idx) in indices.enumerated() {
            precondition(idx >= 0 && idx < shape[0], "indexSelect: index \(idx) out of range 0..<\(shape[0])")
            (out.storage.pointer + i * row).update(from: src.dataPointer + idx * row, count: row)
        }
        let inShape = shape
        return Tensor.record("indexSelect", out, inputs: [self]) { g in
            let gc = g.contiguousData()
            let gi = Tensor.zeros(inShape)
            for (i, idx) in indices.enumerated() {
                let d = gi.storage.pointer + idx * row, s = gc.dataPointer + i * row
                for j in 0..<row { d[j] += s[j] }
            }
            return [gi]
        }
    }

    /// Along the last axis, picks element `indices[r]` of each row r (the log-likelihood
    /// of the target class); result has the leading shape.
    public func gatherLastAxis(_ indices: [Int]) -> Tensor {
        let c = contiguousData()
        let row = shape.last!
        precondition(indices.count == count / row, "gatherLastAxis: \(indices.count) indices for \(count / row) rows")
        let out = Tensor.zeros(Array(shape.dropLast()))
        for (r, k) in indices.enumerated() {
            precondition(k >= 0 && k < row, "gatherLastAxis: index \(k) out of range 0..<\(row) in row \(r)")
            out.storage.pointer[r] = c.dataPointer[r * row + k]
        }
        let inShape = shape
        return Tensor.record("gather", out, inputs: [self]) { g in
            let gc = g.contiguousData()
            let gi = Tensor.zeros(inShape)
            for (r, k) in indices.enumerated() { gi.storage.pointer[r * row + k] = gc.dataPointer[r] }
            return [gi]
        }
    }
}
