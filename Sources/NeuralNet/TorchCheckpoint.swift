import Foundation
import Tensor

/// Reads a PyTorch `.pth` / `.pt` file written by `torch.save(model.state_dict(), path)`:
/// a zip archive of `<name>/data.pkl` (the state dict, pickled) and one member
/// `<name>/data/<key>` per storage. The pickle is run by `TorchPickle`, which accepts only
/// what a plain state dict of tensors needs, so a checkpoint from elsewhere cannot run code.
/// Each tensor comes back as `SafeTensors.Entry` (values as F32, the stored dtype named), so
/// `CheckpointImport` treats a .pth exactly as the same state dict in safetensors.
/// Non-contiguous views are gathered by their strides; every view is checked to lie inside
/// its storage, and every storage to be as long as its element count says.
public enum TorchCheckpoint {
    public struct FormatError: Error, CustomStringConvertible { public let description: String }

    /// The file's tensors by state-dict key.
    public static func readEntries(_ url: URL) throws -> [String: SafeTensors.Entry] {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FormatError(description: "\(url.path): cannot read (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }

    /// `readEntries` on bytes in memory; `file` names them in errors.
    public static func decode(_ data: Data, file: String) throws -> [String: SafeTensors.Entry] {
        func fail(_ what: String) -> FormatError { FormatError(description: "\(file): \(what)") }
        let archive: StoredZip
        do { archive = try StoredZip(data, file: file) } catch let e as StoredZip.ZipError { throw FormatError(description: e.description) }
        guard let pickleName = archive.members.keys.filter({ $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }).min(),
              let pickle = archive.member(pickleName) else {
            throw fail("no data.pkl member; expected a torch.save zip archive (legacy pre-1.6 .pth files are not read: re-save with torch.save)")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        if let order = archive.member(prefix + "byteorder"), String(decoding: order, as: UTF8.self) != "little" {
            throw fail("byteorder \(String(decoding: order, as: UTF8.self)); only little-endian checkpoints are read")
        }
        let root: TorchPickle.Value
        do { root = try TorchPickle.load([UInt8](pickle), file: file) } catch let e as TorchPickle.PickleError { throw FormatError(description: e.description) }
        guard case .dict(let dict) = root else { throw fail("data.pkl is not a dict; expected a state dict (torch.save(model.state_dict(), path))") }
        var result: [String: SafeTensors.Entry] = [:]
        for (key, value) in dict.items {
            guard case .string(let name) = key else { throw fail("a state-dict key is not a string") }
            guard case .tensor(let view) = value else { throw fail("'\(name)' is not a tensor; expected a plain state dict of tensors") }
            result[name] = try entry(view, name: name, prefix: prefix, archive: archive, fail: fail)
        }
        return result
    }

    static func entry(_ view: TorchPickle.TensorView, name: String, prefix: String, archive: StoredZip,
                      fail: (String) -> FormatError) throws -> SafeTensors.Entry {
        let storage = view.storage, size = storage.dtype.byteSize
        guard let bytes = archive.member(prefix + "data/" + storage.key) else { throw fail("'\(name)': no storage member data/\(storage.key)") }
        let (needed, overflow) = storage.count.multipliedReportingOverflow(by: size)
        guard !overflow, bytes.count >= needed else {
            throw fail("'\(name)': storage data/\(storage.key) holds \(bytes.count) bytes, expected \(storage.count) elements of \(storage.dtype.rawValue)")
        }
        // The view's elements and the furthest one it reaches, both overflow-checked.
        var count = 1, last = view.offset
        for (d, s) in zip(view.shape, view.stride) {
            let (c, o1) = count.multipliedReportingOverflow(by: d)
            let (reach, o2) = max(d - 1, 0).multipliedReportingOverflow(by: s)
            let (l, o3) = last.addingReportingOverflow(reach)
            guard d >= 0, s >= 0, !o1, !o2, !o3 else { throw fail("'\(name)': size \(view.shape) stride \(view.stride) is not a valid view") }
            count = c; last = l
        }
        guard view.offset >= 0, count == 0 || last < storage.count else {
            throw fail("'\(name)': size \(view.shape) stride \(view.stride) at offset \(view.offset) reaches past its storage of \(storage.count) elements")
        }
        let t = Tensor.zeros(view.shape)
        guard count > 0 else { return SafeTensors.Entry(dtype: storage.dtype, tensor: t) }
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            let contiguous = view.shape.indices.reversed().reduce((true, 1)) { acc, i in
                (acc.0 && (view.shape[i] == 1 || view.stride[i] == acc.1), acc.1 * view.shape[i])
            }.0
            if contiguous {
                SafeTensors.convert(base + view.offset * size, dtype: storage.dtype, count: count, into: t.dataPointer)
                return
            }
            // Gather element by element in row-major order of the view.
            var index = [Int](repeating: 0, count: view.shape.count)
            var source = view.offset
            for i in 0..<count {
                SafeTensors.convert(base + source * size, dtype: storage.dtype, count: 1, into: t.dataPointer + i)
                var axis = view.shape.count - 1
                while axis >= 0 {
                    index[axis] += 1; source += view.stride[axis]
                    if index[axis] < view.shape[axis] { break }
                    source -= index[axis] * view.stride[axis]; index[axis] = 0; axis -= 1
                }
            }
        }
        return SafeTensors.Entry(dtype: storage.dtype, tensor: t)
    }
}
