import Synchronization

/// The reference-counted f32 buffer behind one or more tensors.
///
/// Views (reshape, permute, slice) share one storage; ops never write into a storage
/// they did not allocate, except the explicit in-place updates optimizers use
/// (`Tensor.assign`, `Tensor.addInPlace`). The buffer is 64-byte aligned so oneDNN and
/// OpenBLAS kernels get aligned loads, and is freed when the last tensor drops it, so a
/// training loop's memory stays flat from step to step.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    private static let live = Atomic<Int>(0)

    /// Bytes held by all storages alive now, process-wide: how tests check that a training
    /// loop releases each step's activations and gradients (memory stays flat).
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    /// Allocates `count` floats, zero-filled.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates `count` floats without clearing them, for kernels that write every element.
    init(uninitializedCount count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        TensorStorage.live.wrappingAdd(max(count, 1) * 4, ordering: .relaxed)
    }

    /// Allocates storage holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit {
        TensorStorage.live.wrappingSubtract(max(count, 1) * 4, ordering: .relaxed)
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
