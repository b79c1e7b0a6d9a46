import Core
import Foundation
import Tensor

/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON
/// header mapping each name to `dtype`, `shape` and `data_offsets`, then raw
/// little-endian data), so checkpoints move to and from PyTorch with
/// `safetensors.torch.load_file`. Writes F32; reads every dtype a stock torchvision or
/// timm checkpoint holds (F64/F32/F16/BF16 floats, I64/I32/I16/I8/U8 integers, BOOL), each
/// converted to F32 values, and tells the caller which dtype each tensor had.
public enum SafeTensors {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The element types of the safetensors format that this reader converts to F32.
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        public var byteSize: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }

        public var isFloatingPoint: Bool { self == .f64 || self == .f32 || self == .f16 || self == .bf16 }
    }

    /// One stored tensor: its values as F32 and the dtype it was stored with.
    public struct Entry {
        public let dtype: DType
        public let tensor: Tensor
        public init(dtype: DType, tensor: Tensor) { self.dtype = dtype; self.tensor = tensor }
    }

    /// Writes `tensors` (name, tensor) atomically to `url`.
    public static func write(_ tensors: [(String, Tensor)], to url: URL) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, t) in tensors {
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]]
            offset += 4 * t.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }  // pad so the data starts 8-byte aligned
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, t) in tensors {
            let values = t.toArray()
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        try AtomicFile.write(data, to: url)
    }

    /// Reads every tensor in `url` as F32 values; errors name the file and the offending entry.
    public static func read(_ url: URL) throws -> [String: Tensor] {
        try readEntries(url).mapValues(\.tensor)
    }

    /// Reads every tensor in `url` with the dtype it was stored with. Shapes and offsets come
    /// from the file and are checked (overflow, bounds, size = elements x dtype size) before
    /// anything is allocated, so a tensor never takes more than 4x its bytes in the file.
    public static func readEntries(_ url: URL) throws -> [String: Entry] {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FormatError(description: "\(url.path): cannot read (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }

    /// `readEntries` on bytes already in memory; `file` names them in errors.
    public static func decode(_ data: Data, file: String) throws -> [String: Entry] {
        guard data.count >= 8 else { throw FormatError(description: "\(file): too short for a safetensors header (\(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FormatError(description: "\(file): header length \(headerLength) exceeds file size \(data.count)")
        }
        let start = 8 + Int(headerLength)
        let base = data.startIndex
        guard let header = (try? JSONSerialization.jsonObject(with: data[(base + 8)..<(base + start)])) as? [String: Any] else {
            throw FormatError(description: "\(file): header is not a JSON object")
        }
        var result: [String: Entry] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], let dtypeName = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FormatError(description: "\(file): tensor '\(name)': expected dtype, shape and data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw FormatError(description: "\(file): tensor '\(name)': dtype \(dtypeName), expected one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var count = 1
            for d in shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow else { throw FormatError(description: "\(file): tensor '\(name)': shape \(shape) is not a valid size") }
                count = p
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == bytes,
                  offsets[1] <= data.count - start else {
                throw FormatError(description: "\(file): tensor '\(name)': data_offsets \(offsets) do not fit shape \(shape) of \(dtypeName) in the file")
            }
            let t = Tensor.zeros(shape)
            data.withUnsafeBytes { raw in
                convert(raw.baseAddress! + start + offsets[0], dtype: dtype, count: count, into: t.dataPointer)
            }
            result[name] = Entry(dtype: dtype, tensor: t)
        }
        return result
    }

    /// Little-endian `count` elements of `dtype` at `src` to F32: floats rounded to nearest
    /// (F64), widened exactly (F16, BF16); integers converted (exact up to 2^24).
    static func convert(_ src: UnsafeRawPointer, dtype: DType, count: Int, into dst: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .f32:
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .f64:
            for i in 0..<count { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        case .f16:
            for i in 0..<count { dst[i] = Float(Float16(bitPattern: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
        case .bf16:
            // bfloat16 is the upper half of an IEEE float32.
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
        case .i64:
            for i in 0..<count { dst[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        case .i32:
            for i in 0..<count { dst[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case .i16:
            for i in 0..<count { dst[i] = Float(Int16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
        case .i8:
            for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: Int8.self)) }
        case .u8, .bool:
            for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
        }
    }
}

extension Module {
    /// Copies tensors by name into this module's parameters and buffers; every state-dict
    /// entry must be present with the same shape.
    public func load(_ tensors: [String: Tensor], source: String) throws {
        for (name, t) in stateDict() {
            guard let src = tensors[name] else { throw SafeTensors.FormatError(description: "\(source): missing tensor '\(name)'") }
            guard src.shape == t.shape || (src.count == 1 && t.count == 1) else {
                throw SafeTensors.FormatError(description: "\(source): tensor '\(name)' has shape \(src.shape), expected \(t.shape)")
            }
            withNoGrad { t.assign(src.reshape(t.shape)) }
        }
    }
}
