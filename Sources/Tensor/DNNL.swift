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

    /// A plain (row-major) f32 memory descriptor.
    static func desc(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { Int64($0) }
        check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "memory_desc_init \(dims)")
        return md
    }

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
}

/// A compiled oneDNN primitive and its descriptor (kept as the hint for backward ones).
final class DNNLPrimitive: @unchecked Sendable {
    let name: String
    let pd: OpaquePointer
    let primitive: OpaquePointer

    /// Compiles the op described by `opDesc` (a `dnnl_*_desc_t`), with `hint` the forward
    /// primitive a backward one must match.
    init<Desc>(_ name: String, _ opDesc: Desc, hint: DNNLPrimitive? = nil) {
        self.name = name
        var d = opDesc
        var pdOut: OpaquePointer?
        withUnsafePointer(to: &d) { p in
            DNNL.check(dnnl_primitive_desc_create(&pdOut, UnsafeRawPointer(p), nil, DNNL.shared.engine, hint?.pd),
                       "primitive_desc_create \(name)")
        }
        var prim: OpaquePointer?
        DNNL.check(dnnl_primitive_create(&prim, pdOut), "primitive_create \(name)")
        pd = pdOut!
        primitive = prim!
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
}
