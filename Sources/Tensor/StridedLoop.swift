/// Walks every element of `shape` for several strided operands at once, one innermost
/// row at a time: `body(offsets, innerStrides, rowLength)` gets each operand's offset of
/// the row's first element. Elementwise kernels loop over the row themselves, so the
/// per-element cost is a multiply-add, not an index computation.
@inline(__always)
func forEachRow(shape: [Int], strides: [[Int]], offsets base: [Int],
                _ body: (UnsafeMutableBufferPointer<Int>, UnsafeBufferPointer<Int>, Int) -> Void) {
    let shape = shape.isEmpty ? [1] : shape
    let strides = strides.map { $0.isEmpty ? [0] : $0 }
    let operands = strides.count
    let rank = shape.count
    if shape.contains(0) { return }
    let inner = shape[rank - 1]
    var innerStrides = strides.map { $0[rank - 1] }
    var offsets = base
    var index = [Int](repeating: 0, count: rank)
    innerStrides.withUnsafeMutableBufferPointer { inn in
        offsets.withUnsafeMutableBufferPointer { off in
            let innC = UnsafeBufferPointer(inn)
            while true {
                body(off, innC, inner)
                // Advance the multi-index over the outer axes.
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    for k in 0..<operands { off[k] += strides[k][axis] }
                    if index[axis] < shape[axis] { break }
                    for k in 0..<operands { off[k] -= strides[k][axis] * shape[axis] }
                    index[axis] = 0
                    axis -= 1
                }
                if axis < 0 { return }
            }
        }
    }
}
