import Core
import Foundation
import Tensor

/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON
/// header mapping each name to `dtype`, `shape` and `data_offsets`, then raw
/// little-endian data), so checkpoints move to and from PyTorch with
/// `safetensors.torch.load_file`. Only F32 tensors are supported for now.
public enum SafeTensors {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
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

    /// Reads every tensor in `url`; errors name the file and the offending entry.
    public static func read(_ url: URL) throws -> [String: Tensor] {
        let data = try Data(contentsOf: url)
        let file = url.path
        guard data.count >= 8 else { throw FormatError(description: "\(file): too short for a safetensors header (\(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FormatError(description: "\(file): header length \(headerLength) exceeds file size \(data.count)")
        }
        let start = 8 + Int(headerLength)
        guard let header = try JSONSerialization.jsonObject(with: data[8..<start]) as? [String: Any] else {
            throw FormatError(description: "\(file): header is not a JSON object")
        }
        var result: [String: Tensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FormatError(description: "\(file): tensor '\(name)': expected dtype, shape and data_offsets")
            }
            guard dtype == "F32" else { throw FormatError(description: "\(file): tensor '\(name)': dtype \(dtype), expected F32") }
            let count = shape.reduce(1, *)
            guard offsets[1] - offsets[0] == 4 * count, offsets[0] >= 0, start + offsets[1] <= data.count else {
                throw FormatError(description: "\(file): tensor '\(name)': data_offsets \(offsets) do not fit shape \(shape) in the file")
            }
            let t = Tensor.zeros(shape)
            data.withUnsafeBytes { raw in
                let src = raw.baseAddress! + start + offsets[0]
                memcpy(t.dataPointer, src, 4 * count)
            }
            result[name] = t
        }
        return result
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
