import Foundation

/// A restricted unpickler for the `data.pkl` of a `torch.save` state dict: it runs only the
/// opcodes that pickle protocols 2-4 use for nested dicts, lists, tuples, numbers and
/// strings, and calls only the few globals that rebuild tensors (`collections.OrderedDict`,
/// `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter`, the typed
/// `torch.*Storage` classes). Anything else (another global, an object it would construct,
/// an unknown opcode) is a one-line error, so a checkpoint cannot run code as Python's
/// `pickle.load` lets it. Stack, memo and strings are bounded by the bytes present.
struct TorchPickle {
    /// A storage named by a persistent id: `data/<key>` in the archive, `count` elements.
    struct Storage { let key: String; let dtype: SafeTensors.DType; let count: Int }

    /// A tensor view of a storage, as `_rebuild_tensor_v2` describes it.
    struct TensorView { let storage: Storage; let offset: Int; let shape: [Int]; let stride: [Int] }

    /// Lists and dicts are shared through the memo and filled after they are made, so they
    /// are references.
    final class List { var items: [Value] = [] }
    final class Dict { var items: [(Value, Value)] = [] }

    indirect enum Value {
        case none, bool(Bool), int(Int), float(Double), string(String)
        case tuple([Value]), list(List), dict(Dict)
        case global(String), storage(Storage), tensor(TensorView)
        case mark
    }

    struct PickleError: Error, CustomStringConvertible { let description: String }

    static let storageTypes: [String: SafeTensors.DType] = [
        "torch.FloatStorage": .f32, "torch.DoubleStorage": .f64, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
        "torch.LongStorage": .i64, "torch.IntStorage": .i32, "torch.ShortStorage": .i16, "torch.CharStorage": .i8,
        "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
    ]
    static let functions: Set<String> = ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter"]

    /// The value `bytes` unpickles to; `file` names it in errors.
    static func load(_ bytes: [UInt8], file: String) throws -> Value {
        var stack: [Value] = [], memo: [Int: Value] = [:]
        var pos = 0
        func fail(_ what: String) -> PickleError { PickleError(description: "\(file): data.pkl byte \(pos): \(what)") }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, n <= bytes.count - pos else { throw fail("truncated (\(n) bytes wanted, \(bytes.count - pos) left)") }
            defer { pos += n }
            return bytes[pos..<(pos + n)]
        }
        func uint(_ n: Int) throws -> Int { try take(n).reversed().reduce(0) { $0 << 8 | Int($1) } }
        func pop() throws -> Value {
            guard let v = stack.popLast() else { throw fail("stack underflow") }
            return v
        }
        func popToMark() throws -> [Value] {
            guard let m = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else { throw fail("no mark") }
            let items = Array(stack[(m + 1)...])
            stack.removeSubrange(m...)
            return items
        }
        func line() throws -> String {
            guard let end = bytes[pos...].firstIndex(of: 0x0A), end - pos <= 256 else { throw fail("unterminated GLOBAL name") }
            defer { pos = end + 1 }
            return String(decoding: bytes[pos..<end], as: UTF8.self)
        }
        func global(_ module: String, _ name: String) throws -> Value {
            let full = "\(module).\(name)"
            guard functions.contains(full) || storageTypes[full] != nil else {
                throw fail("global \(full) is not allowed; a state dict of tensors needs only OrderedDict, _rebuild_tensor_v2 and torch storages")
            }
            return .global(full)
        }
        func int(_ v: Value, _ what: String) throws -> Int {
            guard case .int(let i) = v else { throw fail("\(what): expected an integer") }
            return i
        }
        func ints(_ v: Value, _ what: String) throws -> [Int] {
            guard case .tuple(let items) = v else { throw fail("\(what): expected a tuple of integers") }
            return try items.map { try int($0, what) }
        }
        func reduce(_ callable: Value, _ args: Value) throws -> Value {
            guard case .global(let name) = callable, case .tuple(let a) = args else { throw fail("REDUCE of something not callable") }
            switch name {
            case "collections.OrderedDict":
                guard a.isEmpty else { throw fail("OrderedDict with arguments") }
                return .dict(Dict())
            case "torch._utils._rebuild_tensor_v2":
                guard a.count >= 4, case .storage(let s) = a[0] else { throw fail("_rebuild_tensor_v2: expected (storage, offset, size, stride, ...)") }
                let view = try TensorView(storage: s, offset: int(a[1], "storage offset"), shape: ints(a[2], "size"), stride: ints(a[3], "stride"))
                guard view.shape.count == view.stride.count else { throw fail("size \(view.shape) and stride \(view.stride) differ in rank") }
                return .tensor(view)
            case "torch._utils._rebuild_parameter":
                guard let data = a.first, case .tensor = data else { throw fail("_rebuild_parameter: expected a tensor") }
                return data
            default:
                throw fail("\(name) cannot be called")
            }
        }
        while true {
            guard pos < bytes.count else { throw fail("no STOP opcode") }
            guard stack.count <= 1_000_000 else { throw fail("stack deeper than 1,000,000") }
            let op = bytes[pos]
            pos += 1
            switch op {
            case 0x80: _ = try take(1)                                      // PROTO
            case 0x95: _ = try take(8)                                      // FRAME
            case 0x2E: return try pop()                                     // STOP
            case 0x28: stack.append(.mark)                                  // MARK
            case 0x4E: stack.append(.none)                                  // NONE
            case 0x88: stack.append(.bool(true))                            // NEWTRUE
            case 0x89: stack.append(.bool(false))                           // NEWFALSE
            case 0x4B: let v = try uint(1); stack.append(.int(v))                      // BININT1
            case 0x4D: let v = try uint(2); stack.append(.int(v))                      // BININT2
            case 0x4A: let v = try uint(4); stack.append(.int(Int(Int32(truncatingIfNeeded: v))))  // BININT
            case 0x8A:                                                      // LONG1
                let n = try uint(1)
                guard n <= 8 else { throw fail("integer of \(n) bytes") }
                let raw = try take(n)
                var v = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                if n > 0, n < 8, raw.last! & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(n)) }
                stack.append(.int(Int(Int64(bitPattern: v))))
            case 0x47:                                                      // BINFLOAT, big-endian
                let bits = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                stack.append(.float(Double(bitPattern: bits)))
            case 0x58, 0x8C, 0x54, 0x55:                                    // BINUNICODE, SHORT_BINUNICODE, BINSTRING, SHORT_BINSTRING
                let n = try uint(op == 0x8C || op == 0x55 ? 1 : 4)
                let text = try take(n)
                stack.append(.string(String(decoding: text, as: UTF8.self)))
            case 0x29: stack.append(.tuple([]))                             // EMPTY_TUPLE
            case 0x74: let items = try popToMark(); stack.append(.tuple(items))                // TUPLE
            case 0x85: let a = try pop(); stack.append(.tuple([a]))                    // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))   // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x5D: stack.append(.list(List()))                          // EMPTY_LIST
            case 0x7D: stack.append(.dict(Dict()))                          // EMPTY_DICT
            case 0x61, 0x65:                                                // APPEND, APPENDS
                let items = try op == 0x61 ? [pop()] : popToMark()
                guard case .list(let l) = stack.last else { throw fail("APPEND to something not a list") }
                l.items += items
            case 0x73, 0x75:                                                // SETITEM, SETITEMS
                let items: [Value]
                if op == 0x73 { let v = try pop(), k = try pop(); items = [k, v] } else { items = try popToMark() }
                guard items.count % 2 == 0, case .dict(let d) = stack.last else { throw fail("SETITEM on something not a dict") }
                for i in stride(from: 0, to: items.count, by: 2) { d.items.append((items[i], items[i + 1])) }
            case 0x63:                                                      // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                let g = try global(module, name)
                stack.append(g)
            case 0x93:                                                      // STACK_GLOBAL
                let nameValue = try pop(), moduleValue = try pop()
                guard case .string(let name) = nameValue, case .string(let module) = moduleValue else { throw fail("STACK_GLOBAL of non-strings") }
                let g = try global(module, name)
                stack.append(g)
            case 0x52:                                                      // REDUCE
                let args = try pop(), callable = try pop()
                let r = try reduce(callable, args)
                stack.append(r)
            case 0x62:                                                      // BUILD: OrderedDict attributes (_metadata) only
                _ = try pop()
                guard case .dict = stack.last else { throw fail("BUILD of something not an OrderedDict") }
            case 0x51:                                                      // BINPERSID: ('storage', type, key, location, numel)
                let id = try pop()
                guard case .tuple(let pid) = id, pid.count >= 5, case .string("storage") = pid[0],
                      case .global(let type) = pid[1], let dtype = storageTypes[type], case .string(let key) = pid[2] else {
                    throw fail("persistent id is not ('storage', torch.<Type>Storage, key, location, numel)")
                }
                let count = try int(pid[4], "storage size")
                guard count >= 0 else { throw fail("storage \(key) of \(count) elements") }
                stack.append(.storage(Storage(key: key, dtype: dtype, count: count)))
            case 0x71, 0x72, 0x94:                                          // BINPUT, LONG_BINPUT, MEMOIZE
                let key = try op == 0x94 ? memo.count : uint(op == 0x71 ? 1 : 4)
                guard let top = stack.last else { throw fail("memoize of an empty stack") }
                guard memo.count <= 1_000_000 else { throw fail("more than 1,000,000 memo entries") }
                memo[key] = top
            case 0x68, 0x6A:                                                // BINGET, LONG_BINGET
                let key = try uint(op == 0x68 ? 1 : 4)
                guard let v = memo[key] else { throw fail("memo \(key) was never stored") }
                stack.append(v)
            default:
                throw fail(String(format: "opcode 0x%02x is not allowed in a state dict", op))
            }
        }
    }
}
