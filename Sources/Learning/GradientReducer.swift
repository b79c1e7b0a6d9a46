import Foundation
import NeuralNet
import Tensor

/// Averages the gradients of a model's parameters over the ranks of a data-parallel job, as
/// PyTorch's DistributedDataParallel does: parameters are grouped into buckets of about
/// `bucketElements` floats, in reverse registration order (the order backward produces
/// them), and each bucket's sum is started as a non-blocking all-reduce as soon as it is
/// packed, so communication of one bucket overlaps packing and unpacking of the others.
///
/// With every rank's loss a mean over its own equal share of the global batch, the averaged
/// gradient equals the gradient of the mean loss over the whole global batch, so one SGD
/// step is the single-process step on that batch (up to float summation order).
/// A parameter without a gradient on some rank counts as a zero gradient there.
public final class GradientReducer {
    public let communicator: Communicator
    let parameters: [Tensor]
    let buckets: [Range<Int>]
    /// One flat buffer per bucket, allocated once: MPI reads and writes it after the call
    /// that starts the sum returns, so it must not move (a Swift array may).
    private let buffers: [UnsafeMutableBufferPointer<Float>]

    public init(parameters: [Tensor], communicator: Communicator, bucketElements: Int = 1 << 20) {
        self.communicator = communicator
        let ordered = Array(parameters.reversed())
        self.parameters = ordered
        var buckets: [Range<Int>] = []
        var start = 0, filled = 0
        for (i, p) in ordered.enumerated() {
            filled += p.count
            if filled >= bucketElements || i == ordered.count - 1 {
                buckets.append(start..<(i + 1)); start = i + 1; filled = 0
            }
        }
        self.buckets = buckets
        self.buffers = buckets.map { r in
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: r.reduce(0) { $0 + ordered[$1].count })
            b.initialize(repeating: 0)
            return b
        }
    }

    deinit { for b in buffers { b.deallocate() } }

    /// Replaces every parameter's gradient by its mean over the ranks.
    public func averageGradients() throws {
        guard communicator.size > 1 else { return }
        var pending: [Communicator.PendingSum] = []
        for (b, range) in buckets.enumerated() {
            var offset = 0
            for i in range {
                let p = parameters[i]
                if let g = p.grad {
                    for (k, v) in g.toArray().enumerated() { buffers[b][offset + k] = v }
                } else {
                    for k in offset..<(offset + p.count) { buffers[b][k] = 0 }
                }
                offset += p.count
            }
            pending.append(try communicator.startAllreduceSum(buffers[b]))
        }
        let scale = 1 / Float(communicator.size)
        for (b, range) in buckets.enumerated() {
            try pending[b].wait()
            var offset = 0
            for i in range {
                let p = parameters[i]
                let mean = buffers[b][offset..<(offset + p.count)].map { $0 * scale }
                p.grad = Tensor(shape: p.shape, mean)
                offset += p.count
            }
        }
    }

    /// Copies rank 0's values of `tensors` (parameters at the start, batch-norm running
    /// statistics before a forward pass, as DDP's `broadcast_buffers`) to every rank.
    public static func broadcast(_ tensors: [Tensor], communicator: Communicator) throws {
        guard communicator.size > 1 else { return }
        for t in tensors {
            var values = t.toArray()
            try communicator.broadcast(&values)
            withNoGrad { t.assign(Tensor(shape: t.shape, values)) }
        }
    }
}
