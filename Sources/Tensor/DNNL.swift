import CDNNL
import Foundation

/// The process's oneDNN CPU engine and stream, and a cache of compiled primitives keyed
/// by op and shape.
///
/// Building a oneDNN primitive JIT-compiles a kernel; a training loop calls the same
/// convolutions with the same shapes every step, so each (op, shape) is compiled once
/// and reused, and steady-state steps allocate no new kernels. The instance is shared
/// because the engine is a handle to the one CPU; the cache is its only mutable state,
/// guarded by a lock.
final class DNNL: @unchecked Sendable {
    static let shared = DNNL()

    let engine: OpaquePointer
    let stream: OpaquePointer
    private var cache: [String: DNNLPrimitive] = [:]
    private let lock = NSLock()

    private init() {
        var e: OpaquePointer?
        DNNL.check(dnnl_engine_create(&e, dnnl_cpu, 0), "engine_create")
        var s: OpaquePointer?
        DNNL.check(dnnl_stream_create(&s, e, dnnl_stream_default_flags.rawValue), "stream_create")
        engine = e!
        stream = s!
    }

    static func check(_ status: dnnl_status_t, _ what: String) {
        precondition(status == dnnl_success, "oneDNN \(what) failed with status \(status.rawValue)")
    }

    /// The cached primitive for `key`, built by `make` (an op descriptor and optional hint) on first use.
    func primitive(_ key: String, _ make: () -> DNNLPrimitive) -> DNNLPrimitive {
        // Built outside the lock: a backward primitive's `make` fetches its forward hint.
        if let p = lock.withLock({ cache[key] }) { return p }
        let p = make()
        return lock.withLock {
            if let existing = cache[key] { return existing }
            cache[key] = p
            return p
        }
    }

    /// Copies `src` into `dst`, converting between their layouts (a cached reorder primitive).
    func reorder(_ src: DNNLData, into dst: DNNLData) {
        let prim = primitive("reorder " + src.md.key + " " + dst.md.key) {
            var pd: OpaquePointer?
            var s = src.md, d = dst.md
            DNNL.check(dnnl_reorder_primitive_desc_create(&pd, &s, engine, &d, engine, nil), "reorder desc")
            return DNNLPrimitive("reorder", pd: pd!)
        }
        // A small reorder (weights, late-stage activations) is over in microseconds on one
        // thread; a parallel region's fork and barrier would cost more than the copy.
        let small = src.md.byteSize < 1 << 18
        let threads = Threads.count
        if small && threads > 1 { omp_set_num_threads(1) }
        execute(prim, [(DNNLArg.src, src.md, src.pointer), (DNNLArg.dst, dst.md, dst.pointer)])
        if small && threads > 1 { omp_set_num_threads(Int32(threads)) }
        withExtendedLifetime((src.owner, dst.owner)) {}
    }

    /// A memory descriptor of `dims` in layout `tag` (f32 unless `type` says otherwise).
    static func desc(_ dims: [Int], _ tag: dnnl_format_tag_t, type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { Int64($0) }
        check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, type, tag), "memory_desc_init \(dims)")
        return md
    }

    /// NCHW with channels in blocks of the SIMD width (nChw16c with AVX-512, else nChw8c):
    /// the layout oneDNN's JIT pooling and normalization kernels run on.
    static let channelBlockedTag: dnnl_format_tag_t = channelBlock == 16 ? dnnl_aBcd16b : dnnl_aBcd8b
    /// Channels per block of `channelBlockedTag`.
    static let channelBlock = CPUFeatures.current().flags.contains("avx512f") ? 16 : 8

    static func plainTag(rank: Int) -> dnnl_format_tag_t {
        switch rank {
        case 1: return dnnl_a
        case 2: return dnnl_ab
        case 3: return dnnl_abc
        case 4: return dnnl_abcd
        default: return dnnl_abcde
        }
    }

    /// Runs `prim` on buffers: each argument is (DNNL_ARG_*, descriptor, data pointer).
    func execute(_ prim: DNNLPrimitive, _ args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)]) {
        var mems: [OpaquePointer] = []
        var execArgs: [dnnl_exec_arg_t] = []
        for (arg, md, ptr) in args {
            var m: OpaquePointer?
            var mdv = md
            DNNL.check(dnnl_memory_create(&m, &mdv, engine, ptr), "memory_create")
            mems.append(m!)
            execArgs.append(dnnl_exec_arg_t(arg: arg, memory: m))
        }
        DNNL.check(dnnl_primitive_execute(prim.primitive, stream, Int32(execArgs.count), execArgs), "execute \(prim.name)")
        DNNL.check(dnnl_stream_wait(stream), "stream_wait")
        for m in mems { dnnl_memory_destroy(m) }
    }
}

/// oneDNN execution-argument ids (dnnl_types.h macros).
enum DNNLArg {
    static let src: Int32 = 1, dst: Int32 = 17, weights: Int32 = 33, bias: Int32 = 41
    static let mean: Int32 = 49, variance: Int32 = 50, scale: Int32 = 51, shift: Int32 = 52
    static let workspace: Int32 = 64
    static let diffSrc: Int32 = 129, diffDst: Int32 = 145, diffWeights: Int32 = 161, diffBias: Int32 = 169
    static let diffScale: Int32 = 255, diffShift: Int32 = 256
    /// First source of a multi-source primitive (concat); source i is this + i.
    static let multipleSrc: Int32 = 1024
}

/// A compiled oneDNN primitive and its descriptor (kept as the hint for backward ones).
final class DNNLPrimitive: @unchecked Sendable {
    let name: String
    let pd: OpaquePointer
    let primitive: OpaquePointer

    /// Compiles the op described by `opDesc` (a `dnnl_*_desc_t`), with `hint` the forward
    /// primitive a backward one must match; `postReLU` appends a ReLU to the output
    /// (an eltwise post-op, applied while the result is still in registers).
    convenience init<Desc>(_ name: String, _ opDesc: Desc, hint: DNNLPrimitive? = nil, postReLU: Bool = false) {
        var d = opDesc
        var pdOut: OpaquePointer?
        var attr: OpaquePointer?
        if postReLU {
            var ops: OpaquePointer?
            DNNL.check(dnnl_post_ops_create(&ops), "post_ops_create")
            DNNL.check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0), "post_ops_append_eltwise")
            DNNL.check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
            DNNL.check(dnnl_primitive_attr_set_post_ops(attr, ops), "primitive_attr_set_post_ops")
            dnnl_post_ops_destroy(ops)
        }
        defer { if let attr { dnnl_primitive_attr_destroy(attr) } }
        withUnsafePointer(to: &d) { p in
            DNNL.check(dnnl_primitive_desc_create(&pdOut, UnsafeRawPointer(p), attr, DNNL.shared.engine, hint?.pd),
                       "primitive_desc_create \(name)")
        }
        self.init(name, pd: pdOut!)
    }

    /// Compiles the primitive of an already created descriptor (taking ownership of it).
    init(_ name: String, pd: OpaquePointer) {
        self.name = name
        var prim: OpaquePointer?
        DNNL.check(dnnl_primitive_create(&prim, pd), "primitive_create \(name)")
        self.pd = pd
        primitive = prim!
    }

    /// The memory layout the primitive chose for one of its arguments (`dnnl_query_src_md`, ...).
    func md(_ what: dnnl_query_t) -> dnnl_memory_desc_t {
        guard let md = dnnl_primitive_desc_query_md(pd, what, 0) else { preconditionFailure("oneDNN \(name): no \(what) md") }
        return md.pointee
    }

    /// Bytes of the workspace this primitive needs (max pooling's argmax), 0 if none.
    var workspace: dnnl_memory_desc_t? {
        guard let md = dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0) else { return nil }
        return dnnl_memory_desc_get_size(md) > 0 ? md.pointee : nil
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }
}

extension dnnl_memory_desc_t {
    var byteSize: Int { withUnsafePointer(to: self) { Int(dnnl_memory_desc_get_size($0)) } }

    func sameLayout(_ other: dnnl_memory_desc_t) -> Bool {
        withUnsafePointer(to: self) { a in withUnsafePointer(to: other) { b in dnnl_memory_desc_equal(a, b) != 0 } }
    }

    /// The descriptor's bytes as a cache key (descriptors come zero-initialized from oneDNN).
    var key: String {
        withUnsafeBytes(of: self) { Data($0).base64EncodedString() }
    }
}

/// Raw 64-byte-aligned memory for data in a oneDNN-chosen layout (blocked activations,
/// pooling's argmax workspace), returned to `DNNLBufferPool.shared` with its owner.
final class DNNLBuffer {
    let pointer: UnsafeMutableRawPointer
    let bytes: Int
    init(bytes: Int) {
        self.bytes = max(bytes, 1)
        pointer = DNNLBufferPool.shared.take(self.bytes)
    }
    deinit { DNNLBufferPool.shared.give(pointer, bytes: bytes) }
}

/// Large buffers kept for reuse after their owners are gone.
///
/// A network pass over a microscope site allocates tens of activation buffers of 10-300 MB,
/// and the next tile or site asks for the same sizes again. malloc serves such sizes with
/// fresh mmaps, so every pass paid a page fault per 4 KB (a sixth of the pass's time was
/// the kernel zeroing pages). Buffers of at least `minimumBytes` go back here by exact size
/// and are handed out again; the pool holds at most `capacityBytes`, dropping the oldest.
final class DNNLBufferPool: @unchecked Sendable {
    static let shared = DNNLBufferPool()
    let minimumBytes = 1 << 20
    let capacityBytes = 1 << 30
    private var free: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    private var heldBytes = 0
    private let lock = NSLock()

    func take(_ bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= minimumBytes, let p = lock.withLock({ () -> UnsafeMutableRawPointer? in
            guard let i = free.lastIndex(where: { $0.bytes == bytes }) else { return nil }
            heldBytes -= bytes
            return free.remove(at: i).pointer
        }) {
            return p
        }
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    func give(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        guard bytes >= minimumBytes, bytes <= capacityBytes else { return pointer.deallocate() }
        let evicted: [UnsafeMutableRawPointer] = lock.withLock {
            free.append((bytes, pointer))
            heldBytes += bytes
            var dropped: [UnsafeMutableRawPointer] = []
            while heldBytes > capacityBytes {
                let oldest = free.removeFirst()
                heldBytes -= oldest.bytes
                dropped.append(oldest.pointer)
            }
            return dropped
        }
        for p in evicted { p.deallocate() }
    }
}

/// Data as a oneDNN primitive argument: its layout and its bytes, kept alive by `owner`.
struct DNNLData {
    let md: dnnl_memory_desc_t
    let pointer: UnsafeMutableRawPointer
    let owner: AnyObject

    init(_ md: dnnl_memory_desc_t, _ tensor: Tensor) {
        self.md = md
        pointer = UnsafeMutableRawPointer(tensor.dataPointer)
        owner = tensor
    }

    init(_ md: dnnl_memory_desc_t, _ buffer: DNNLBuffer) {
        self.md = md
        pointer = buffer.pointer
        owner = buffer
    }

    /// A fresh uninitialized buffer in layout `md`.
    init(empty md: dnnl_memory_desc_t) { self.init(md, DNNLBuffer(bytes: md.byteSize)) }

    /// This data in layout `target`: itself when the layouts agree, else a reordered copy.
    func converted(to target: dnnl_memory_desc_t) -> DNNLData {
        if md.sameLayout(target) { return self }
        let out = DNNLData(empty: target)
        DNNL.shared.reorder(self, into: out)
        return out
    }

    /// Reorders into the plain tensor `into` (described by `plain`), or copies when the layouts agree.
    func write(into tensor: Tensor, plain: dnnl_memory_desc_t) {
        DNNL.shared.reorder(self, into: DNNLData(plain, tensor))
    }

    var arg: (dnnl_memory_desc_t, UnsafeMutableRawPointer) { (md, pointer) }
}
