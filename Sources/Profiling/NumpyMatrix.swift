import Foundation

/// A 2-D numeric `.npy` file read whole (NumPy format versions 1-3; little-endian
/// float32 or float64, C order): how DESIGN.md stores embeddings (cells x dims, float32).
///
/// Profiling only reads embeddings to aggregate them, so this is the smallest reader that
/// does that; a general n-d `.npy` reader belongs to the tensor engine.
public struct NumpyMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    /// Row-major values, widened to Double.
    public let values: [Double]

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ProfilingError("\(url.path): cannot read file")
        }
        try self.init(data: data, source: url.path)
    }

    public init(data: Data, source: String = "<memory>") throws {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> ProfilingError { ProfilingError("\(source): not a 2-D float .npy file: \(why)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("missing \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, start: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            start = 12
        default:
            throw fail("unsupported format version \(major)")
        }
        guard bytes.count >= start + headerLength else { throw fail("truncated header") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descr = field("descr") else { throw fail("no 'descr' in header") }
        let width: Int
        if descr.hasPrefix("'<f4'") { width = 4 } else if descr.hasPrefix("'<f8'") { width = 8 } else {
            throw fail("dtype \(descr.prefix(6)) (expected '<f4' or '<f8')")
        }
        guard let order = field("fortran_order"), order.hasPrefix("False") else { throw fail("Fortran order") }
        guard let shapeText = field("shape"), let open = shapeText.firstIndex(of: "("),
              let close = shapeText.firstIndex(of: ")") else { throw fail("no 'shape' in header") }
        let dims = shapeText[shapeText.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        guard dims.count == 2 else { throw fail("shape (\(dims.map(String.init).joined(separator: ", "))) is not 2-D") }
        let body = start + headerLength
        let count = dims[0] * dims[1]
        guard bytes.count - body == count * width else {
            throw fail("expected \(count * width) data bytes for shape (\(dims[0]), \(dims[1])), found \(bytes.count - body)")
        }
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let o = body + i * width
            if width == 4 {
                let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[o + $1]) << (8 * $1) }
                values[i] = Double(Float(bitPattern: bits))
            } else {
                let bits = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * $1) }
                values[i] = Double(bitPattern: bits)
            }
        }
        rows = dims[0]
        columns = dims[1]
        self.values = values
    }
}
