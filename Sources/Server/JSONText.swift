/// Encodes the plain values handlers build (dictionaries, arrays, strings, integers,
/// floating point, booleans, `NSNull`) as compact JSON with sorted keys.
///
/// Foundation's `JSONSerialization` on Linux formats every number through `NSNumber` and
/// took ~70 µs per floating-point value here, which made a k = 100 search answer cost
/// milliseconds; this writes numbers with Swift's shortest round-trip formatting instead.
enum JSONText {
    static func encode(_ value: Any) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(value, to: &out)
        return out
    }

    static func write(_ value: Any, to out: inout String) {
        switch value {
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let d as Double: out += d.isFinite ? String(d) : "null"
        case let f as Float: out += f.isFinite ? String(Double(f)) : "null"
        case let s as String: string(s, to: &out)
        case let a as [Any]:
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; write(v, to: &out) }
            out += "]"
        case let d as [String: Any]:
            out += "{"
            for (i, k) in d.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                string(k, to: &out)
                out += ":"
                write(d[k]!, to: &out)
            }
            out += "}"
        case Optional<Any>.none: out += "null"
        default: out += "null" // NSNull and anything unexpected
        }
    }

    static func string(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
