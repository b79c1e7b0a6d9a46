/// An n-dimensional f32 array with reverse-mode autograd, in the style of a PyTorch tensor.
///
/// A tensor is a strided view (`shape`, `strides`, `offset`) of a `TensorStorage`;
/// reshape, permute and slice make new views of the same storage and `contiguous()`
/// copies. It is a class because autograd needs identity: the graph refers to the exact
/// tensors an op read, and `grad` is filled in on the leaf the user holds. Ops never
/// mutate their inputs; the in-place methods exist for optimizers and run without
/// recording.
public final class Tensor {
    public let storage: TensorStorage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    /// Leaves with `requiresGrad` get `grad` filled by `backward()`; op results that
    /// depend on such a leaf (while recording) require grad too.
    public var requiresGrad: Bool
    /// The accumulated gradient, same shape as the tensor, after `backward()`.
    public var grad: Tensor?
    /// The op that produced this tensor, nil for leaves and for results computed
    /// without recording.
    public internal(set) var gradFn: GradNode?

    public init(storage: TensorStorage, shape: [Int], strides: [Int]? = nil, offset: Int = 0,
                requiresGrad: Bool = false) {
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? Tensor.contiguousStrides(shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    /// A tensor of the given shape holding `values` in row-major order.
    public convenience init(shape: [Int], _ values: [Float], requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == values.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.init(storage: TensorStorage(values), shape: shape, requiresGrad: requiresGrad)
    }

    /// A rank-0 tensor holding `value`.
    public convenience init(scalar value: Float) {
        self.init(shape: [], [value])
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(storage: TensorStorage(count: shape.reduce(1, *)), shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor whose elements are not cleared: only for kernels that overwrite all of them.
    static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(storage: TensorStorage(uninitializedCount: shape.reduce(1, *)), shape: shape)
    }

    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        let t = zeros(shape, requiresGrad: requiresGrad)
        t.storage.pointer.update(repeating: value, count: t.count)
        return t
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= shape[i]
        }
        return strides
    }

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    /// True when the elements lie row-major and dense from `offset`, so kernels can
    /// take `dataPointer` directly.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Pointer to the first element (valid while the tensor is alive).
    public var dataPointer: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// The elements in row-major order.
    public func toArray() -> [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.dataPointer, count: c.count))
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements")
        return dataPointer[0]
    }

    /// A new tensor object sharing this one's storage, with no graph and no grad: what
    /// backward closures capture, and how a value leaves the graph.
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Element at a multi-index (slow; for tests and small lookups).
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == rank, "subscript: need \(rank) indices, got \(index.count)")
        var o = offset
        for (i, x) in index.enumerated() {
            precondition(x >= 0 && x < shape[i], "subscript: index \(x) out of range 0..<\(shape[i]) on axis \(i)")
            o += x * strides[i]
        }
        return storage.pointer[o]
    }

    /// Whether an op reading `inputs` should record itself.
    static func recording(_ inputs: [Tensor]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// Attaches a graph node to `result` if any input requires grad and recording is on.
    @discardableResult
    static func record(_ name: String, _ result: Tensor, inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        if recording(inputs) {
            result.requiresGrad = true
            result.gradFn = GradNode(name: name, inputs: inputs, backward: backward)
        }
        return result
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = count <= 16 ? toArray().map { "\($0)" }.joined(separator: ", ") : "\(count) values"
        return "Tensor(shape: \(shape), [\(values)])"
    }
}
