import Foundation

/// NumPy `.npy` files (format 1.0/2.0/3.0): the exchange format for embeddings, crops and
/// search results, read by numpy, PyTorch and pandas.
///
/// Supported element types: float32, float64, float16, int64, int32, uint16, uint8, read
/// little- or big-endian, C or Fortran order; written as little-endian C order, format 1.0
/// (2.0 when the header needs it), atomically.
public struct NPYArray: Equatable, Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case float32 = "f4", float64 = "f8", float16 = "f2", int64 = "i8", int32 = "i4", uint16 = "u2", uint8 = "u1"
        public var size: Int { Int(String(rawValue.dropFirst()))! }
    }

    public var shape: [Int]
    public var dtype: DType
    /// The elements, little-endian, C order.
    public var bytes: Data

    public init(shape: [Int], dtype: DType, bytes: Data) {
        precondition(bytes.count == shape.reduce(1, *) * dtype.size, "npy data size does not match shape")
        self.shape = shape; self.dtype = dtype; self.bytes = bytes
    }

    public init(float32 values: [Float], shape: [Int]) {
        self.init(shape: shape, dtype: .float32, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    public init(int64 values: [Int64], shape: [Int]) {
        self.init(shape: shape, dtype: .int64, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    public init(uint16 values: [UInt16], shape: [Int]) {
        self.init(shape: shape, dtype: .uint16, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    public var count: Int { shape.reduce(1, *) }

    /// The elements converted to Float (float16/64 and integers convert exactly or round).
    public func floats() -> [Float] {
        bytes.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case .float32: return Array(raw.bindMemory(to: Float.self))
            case .float64: return raw.bindMemory(to: Double.self).map { Float($0) }
            case .float16: return raw.bindMemory(to: UInt16.self).map { Float(Float16(bitPattern: $0)) }
            case .int64: return raw.bindMemory(to: Int64.self).map { Float($0) }
            case .int32: return raw.bindMemory(to: Int32.self).map { Float($0) }
            case .uint16: return raw.bindMemory(to: UInt16.self).map { Float($0) }
            case .uint8: return raw.bindMemory(to: UInt8.self).map { Float($0) }
            }
        }
    }

    /// The elements converted to Double (exact for every supported dtype but int64 > 2^53).
    public func doubles() -> [Double] {
        bytes.withUnsafeBytes { raw -> [Double] in
            switch dtype {
            case .float64: return Array(raw.bindMemory(to: Double.self))
            case .int64: return raw.bindMemory(to: Int64.self).map { Double($0) }
            default: return floats().map { Double($0) }
            }
        }
    }

    /// The elements as Int64; only for integer dtypes.
    public func int64s() -> [Int64]? {
        bytes.withUnsafeBytes { raw -> [Int64]? in
            switch dtype {
            case .int64: return Array(raw.bindMemory(to: Int64.self))
            case .int32: return raw.bindMemory(to: Int32.self).map { Int64($0) }
            case .uint16: return raw.bindMemory(to: UInt16.self).map { Int64($0) }
            case .uint8: return raw.bindMemory(to: UInt8.self).map { Int64($0) }
            default: return nil
            }
        }
    }

    // MARK: reading

    public static func read(_ url: URL) throws -> NPYArray {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw NPYError("\(url.path): cannot read file")
        }
        return try parse(data, source: url.path)
    }

    /// Where a `.npy` file's elements lie in `data`, read from its header without touching
    /// the elements: lets a caller map a large array and read it in place.
    public struct Layout: Equatable, Sendable {
        public var shape: [Int]
        public var dtype: DType
        /// Byte offset of the first element in the file.
        public var dataOffset: Int
        public var bigEndian: Bool
        public var fortranOrder: Bool
        public var count: Int { shape.reduce(1, *) }
    }

    /// The header of `data` (a whole `.npy` file); checks the file holds every element.
    public static func layout(_ data: Data, source: String = "<memory>") throws -> Layout {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard data.count >= 10, Array(data.prefix(6)) == magic else {
            throw NPYError("\(source): not a .npy file (bad magic)")
        }
        let major = data[data.startIndex + 6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3 {
            guard data.count >= 12 else { throw NPYError("\(source): truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(data[data.startIndex + 8 + $1]) << (8 * $1) }
            headerStart = 12
        } else {
            throw NPYError("\(source): unsupported .npy format version \(major)")
        }
        guard data.count >= headerStart + headerLength else { throw NPYError("\(source): truncated header") }
        let header = String(decoding: data[(data.startIndex + headerStart)..<(data.startIndex + headerStart + headerLength)], as: UTF8.self)
        guard let descr = field(header, "descr"), let order = field(header, "fortran_order"), let shapeText = field(header, "shape") else {
            // One line, however the header is laid out, and not the whole of a long one.
            let shown = header.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces).prefix(200)
            throw NPYError("\(source): header lacks descr, fortran_order or shape: \(shown)")
        }
        let descrValue = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard let endian = descrValue.first, "<>|=".contains(endian),
              let dtype = DType(rawValue: String(descrValue.dropFirst())) else {
            throw NPYError("\(source): dtype '\(descrValue)' not supported; expected one of f4 f8 f2 i8 i4 u2 u1")
        }
        let shape = try shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { s -> Int in
                guard let v = Int(s), v >= 0 else { throw NPYError("\(source): bad shape entry '\(s)'") }
                return v
            }
        let layout = Layout(shape: shape, dtype: dtype, dataOffset: headerStart + headerLength,
                            bigEndian: endian == ">" && dtype.size > 1,
                            fortranOrder: order.trimmingCharacters(in: .whitespaces) == "True" && shape.count > 1)
        // The shape comes from the file: multiply with overflow checks before trusting it.
        var needed = dtype.size
        for d in shape {
            let (product, overflow) = needed.multipliedReportingOverflow(by: d)
            guard !overflow else { throw NPYError("\(source): shape \(shape) of \(dtype.rawValue) is too large (the byte count overflows)") }
            needed = product
        }
        guard data.count - layout.dataOffset >= needed else {
            throw NPYError("\(source): truncated data: \(data.count - layout.dataOffset) bytes, expected \(needed) for shape \(shape)")
        }
        return layout
    }

    public static func parse(_ data: Data, source: String = "<memory>") throws -> NPYArray {
        let layout = try layout(data, source: source)
        let start = data.startIndex + layout.dataOffset, dtype = layout.dtype
        var bytes = Data(data[start..<(start + layout.count * dtype.size)])
        if layout.bigEndian {
            bytes.withUnsafeMutableBytes { raw in
                let p = raw.bindMemory(to: UInt8.self)
                var i = 0
                while i < p.count { p[i..<(i + dtype.size)].reverse(); i += dtype.size }
            }
        }
        var array = NPYArray(shape: layout.shape, dtype: dtype, bytes: bytes)
        if layout.fortranOrder { array = array.fromFortranOrder() }
        return array
    }

    private static func field(_ header: String, _ key: String) -> String? {
        guard let k = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
              let colon = header[k.upperBound...].firstIndex(of: ":") else { return nil }
        let rest = header[header.index(after: colon)...]
        if key == "shape" {
            // The closing parenthesis is looked for after the opening one: `)(` is no shape.
            guard let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") else { return nil }
            return String(rest[open...close])
        }
        let end = rest.firstIndex(of: ",") ?? rest.firstIndex(of: "}") ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    private func fromFortranOrder() -> NPYArray {
        let n = count, size = dtype.size
        var strides = [Int](repeating: 1, count: shape.count)   // Fortran strides, in elements
        for i in 1..<shape.count { strides[i] = strides[i - 1] * shape[i - 1] }
        var out = Data(count: bytes.count)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                var index = [Int](repeating: 0, count: shape.count)
                for c in 0..<n {
                    let f = zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
                    dst.baseAddress!.advanced(by: c * size).copyMemory(from: src.baseAddress!.advanced(by: f * size), byteCount: size)
                    var d = shape.count - 1
                    while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
                }
            }
        }
        return NPYArray(shape: shape, dtype: dtype, bytes: out)
    }

    // MARK: writing

    /// The file's bytes.
    public func encoded() -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let endian = dtype.size == 1 ? "|" : "<"
        var header = "{'descr': '\(endian)\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let version2 = header.utf8.count + 11 > 65_535
        let prefix = version2 ? 12 : 10
        let padded = (prefix + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: padded - prefix - header.utf8.count - 1) + "\n"
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version2 ? 2 : 1, 0])
        let len = header.utf8.count
        if version2 { out.append(contentsOf: (0..<4).map { UInt8((len >> (8 * $0)) & 0xFF) }) }
        else { out.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)]) }
        out.append(contentsOf: header.utf8)
        out.append(bytes)
        return out
    }

    public func write(to url: URL) throws { try AtomicFile.write(encoded(), to: url) }
}

/// A malformed or unsupported `.npy` file, named in the message.
public struct NPYError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
