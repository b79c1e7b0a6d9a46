import CDNNL
import Foundation

/// numpy/PyTorch broadcasting: align shapes at the right, size-1 axes stretch.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let n = max(a.count, b.count)
    return (0..<n).map { i in
        let x = i - (n - a.count) >= 0 ? a[i - (n - a.count)] : 1
        let y = i - (n - b.count) >= 0 ? b[i - (n - b.count)] : 1
        precondition(x == y || x == 1 || y == 1, "broadcast: shapes \(a) and \(b) are incompatible")
        return x == 1 ? y : x
    }
}

/// A binary float function handed to `mapBinary` as a type rather than a closure value: the
/// loops are then specialized per function, so `+` compiles to a vector add instead of one
/// indirect call per element (which cost ~10% of a ViT training step).
protocol BinaryKernel {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

struct AddKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubtractKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MultiplyKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivideKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }

/// Any other function, called through its closure.
struct ClosureKernel: BinaryKernel {
    let f: (Float, Float) -> Float
    func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}

extension Tensor {
    /// Applies `f` elementwise to broadcast `a` and `b` into a new contiguous tensor (not recorded).
    static func mapBinary(_ a: Tensor, _ b: Tensor, _ f: @escaping (Float, Float) -> Float) -> Tensor {
        mapBinary(a, b, ClosureKernel(f: f))
    }

    /// `mapBinary` specialized for the kernel type `K`.
    @inline(__always)
    static func mapBinary<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ f: K) -> Tensor {
        let shape = broadcastShape(a.shape, b.shape)
        let out = Tensor.uninitialized(shape)
        let ap = a.storage.pointer, bp = b.storage.pointer, op = out.storage.pointer
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            let pa = a.dataPointer, pb = b.dataPointer
            parallelFor(out.count) { r in for i in r { op[i] = f(pa[i], pb[i]) } }
            return out
        }
        // One operand dense at the full shape, the other dense and repeating along leading
        // axes (a bias row, a scalar): rows of the short one, without the strided walker.
        if a.isContiguous && b.isContiguous && out.count > 0 {
            if a.shape == shape, let inner = Tensor.trailingRun(b.shape, of: shape) {
                let pa = a.dataPointer, pb = b.dataPointer
                parallelFor(out.count / inner, minimumPerThread: Swift.max(1, (1 << 15) / inner)) { rows in
                    for r in rows { let o = r * inner; for j in 0..<inner { op[o + j] = f(pa[o + j], pb[j]) } }
                }
                return out
            }
            if b.shape == shape, let inner = Tensor.trailingRun(a.shape, of: shape) {
                let pa = a.dataPointer, pb = b.dataPointer
                parallelFor(out.count / inner, minimumPerThread: Swift.max(1, (1 << 15) / inner)) { rows in
                    for r in rows { let o = r * inner; for j in 0..<inner { op[o + j] = f(pa[j], pb[o + j]) } }
                }
                return out
            }
            // The short one is the leading axes then 1s (a per-channel scale [C, 1, 1, 1]):
            // one scalar per run of the full one.
            if a.shape == shape, let (rows, inner) = Tensor.leadingRun(b.shape, of: shape) {
                let pa = a.dataPointer, pb = b.dataPointer
                parallelFor(rows, minimumPerThread: Swift.max(1, (1 << 15) / inner)) { rs in
                    for r in rs { let o = r * inner, s = pb[r]; for j in 0..<inner { op[o + j] = f(pa[o + j], s) } }
                }
                return out
            }
            if b.shape == shape, let (rows, inner) = Tensor.leadingRun(a.shape, of: shape) {
                let pa = a.dataPointer, pb = b.dataPointer
                parallelFor(rows, minimumPerThread: Swift.max(1, (1 << 15) / inner)) { rs in
                    for r in rs { let o = r * inner, s = pa[r]; for j in 0..<inner { op[o + j] = f(s, pb[o + j]) } }
                }
                return out
            }
        }
        forEachRow(shape: shape, strides: [a.expandedStrides(to: shape), b.expandedStrides(to: shape), out.strides],
                   offsets: [a.offset, b.offset, 0]) { off, inner, n in
            let sa = inner[0], sb = inner[1], ia = off[0], ib = off[1], io = off[2]
            for j in 0..<n { op[io + j] = f(ap[ia + j * sa], bp[ib + j * sb]) }
        }
        return out
    }

    /// The element count of `short` when, leading 1s aside, it equals the trailing axes of
    /// `full` (so it repeats along the leading ones); nil otherwise or when empty.
    static func trailingRun(_ short: [Int], of full: [Int]) -> Int? {
        let trimmed = Array(short.drop { $0 == 1 })
        guard trimmed.count <= full.count, Array(full.suffix(trimmed.count)) == trimmed else { return nil }
        let n = trimmed.reduce(1, *)
        return n > 0 ? n : nil
    }

    /// (rows, inner) when `short` has `full`'s rank and is its leading axes followed by 1s
    /// only, so each of its `rows` elements pairs with a run of `inner` elements; else nil.
    static func leadingRun(_ short: [Int], of full: [Int]) -> (rows: Int, inner: Int)? {
        guard short.count == full.count else { return nil }
        var p = short.count
        while p > 0 && short[p - 1] == 1 { p -= 1 }
        guard p < short.count, short.prefix(p) == full.prefix(p) else { return nil }
        let rows = short.reduce(1, *), inner = full[p...].reduce(1, *)
        return rows > 0 && inner > 0 ? (rows, inner) : nil
    }

    /// Applies `f` elementwise into a new contiguous tensor (not recorded).
    @inline(__always)
    func mapUnary(_ f: (Float) -> Float) -> Tensor {
        let src = contiguousData()
        let out = Tensor.uninitialized(shape)
        let sp = src.dataPointer, op = out.storage.pointer
        parallelFor(count) { r in for i in r { op[i] = f(sp[i]) } }
        return out
    }

    /// This tensor's data as a contiguous tensor, without recording.
    func contiguousData() -> Tensor {
        isContiguous ? self : withNoGrad { contiguous() }
    }

    /// Sums a broadcast gradient back down to `target` shape.
    public func sumTo(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        var r = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        if lead > 0 { r = r.reshape(target) }
        return r.shape == target ? r : r.reshape(target)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = mapBinary(a, b, AddKernel())
        let sa = a.shape, sb = b.shape
        return record("add", out, inputs: [a, b]) { g in [g.sumTo(sa), g.sumTo(sb)] }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = mapBinary(a, b, SubtractKernel())
        let sa = a.shape, sb = b.shape
        return record("sub", out, inputs: [a, b]) { g in [g.sumTo(sa), (-g).sumTo(sb)] }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = mapBinary(a, b, MultiplyKernel())
        let ad = a.detached(), bd = b.detached()
        return record("mul", out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g * bd).sumTo(ad.shape) : nil, b.requiresGrad ? (g * ad).sumTo(bd.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = mapBinary(a, b, DivideKernel())
        let ad = a.detached(), bd = b.detached()
        return record("div", out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g / bd).sumTo(ad.shape) : nil,
             b.requiresGrad ? (-(g * ad) / (bd * bd)).sumTo(bd.shape) : nil]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let out = a.mapUnary { -$0 }
        return record("neg", out, inputs: [a]) { g in [-g] }
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a + Tensor(scalar: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a - Tensor(scalar: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a * Tensor(scalar: s) }
    public static func / (a: Tensor, s: Float) -> Tensor { a * Tensor(scalar: 1 / s) }
    public static func * (s: Float, a: Tensor) -> Tensor { a * Tensor(scalar: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a + Tensor(scalar: s) }
    public static func - (s: Float, a: Tensor) -> Tensor { Tensor(scalar: s) - a }

    public func exp() -> Tensor {
        let out = mapUnary { Foundation.exp($0) }
        let od = out.detached()
        return Tensor.record("exp", out, inputs: [self]) { g in [g * od] }
    }

    public func log() -> Tensor {
        let out = mapUnary { Foundation.log($0) }
        let xd = detached()
        return Tensor.record("log", out, inputs: [self]) { g in [g / xd] }
    }

    public func sqrt() -> Tensor {
        let out = mapUnary { Foundation.sqrt($0) }
        let od = out.detached()
        return Tensor.record("sqrt", out, inputs: [self]) { g in [g / (od * 2)] }
    }

    /// Elementwise power with a constant exponent.
    public func pow(_ p: Float) -> Tensor {
        let out = mapUnary { Foundation.pow($0, p) }
        let xd = detached()
        return Tensor.record("pow", out, inputs: [self]) { g in [g * xd.pow(p - 1) * p] }
    }

    public func tanh() -> Tensor {
        let out = mapUnary { Foundation.tanh($0) }
        let od = out.detached()
        return Tensor.record("tanh", out, inputs: [self]) { g in [g * (1 - od * od)] }
    }

    public func sigmoid() -> Tensor {
        let out = mapUnary { 1 / (1 + Foundation.exp(-$0)) }
        let od = out.detached()
        return Tensor.record("sigmoid", out, inputs: [self]) { g in [g * od * (1 - od)] }
    }

    public func abs() -> Tensor {
        let out = mapUnary { Swift.abs($0) }
        let xd = detached()
        return Tensor.record("abs", out, inputs: [self]) { g in [g * xd.mapUnary { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }] }
    }

    /// max(x, 0); the gradient passes where x > 0.
    public func relu() -> Tensor {
        EltwiseOp(alg: dnnl_eltwise_relu, name: "relu", count: count).apply(self)
    }

    /// GELU with the exact erf form (PyTorch's default `approximate='none'`).
    public func gelu() -> Tensor {
        EltwiseOp(alg: dnnl_eltwise_gelu_erf, name: "gelu", count: count).apply(self)
    }

    /// Clamps to [lo, hi]; the gradient passes inside the interval.
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        let out = mapUnary { Swift.min(Swift.max($0, lo), hi) }
        let xd = detached()
        return Tensor.record("clamp", out, inputs: [self]) { g in [Tensor.mapBinary(g, xd) { ($1 >= lo && $1 <= hi) ? $0 : 0 }] }
    }
}
