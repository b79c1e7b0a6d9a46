import Foundation

/// Minimal reader for the little-endian `.npy` fixtures written by the reference scripts
/// (float32 `<f4` or int32 `<i4`, C order).
enum NumpyFile {
    struct Array2D<T> { let rows: Int; let cols: Int; let data: [T] }

    static func read<T>(_ url: URL, as: T.Type) throws -> Array2D<T> {
        let bytes = try Data(contentsOf: url)
        guard bytes.count > 10, bytes.prefix(6) == Data([0x93]) + Data("NUMPY".utf8) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        let headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLen)], as: UTF8.self)
        let want = T.self == Float.self ? "'<f4'" : "'<i4'"
        guard header.contains(want), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 2 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path]) }
        let body = bytes.subdata(in: (10 + headerLen)..<bytes.count)
        let data: [T] = body.withUnsafeBytes { raw in Array(raw.bindMemory(to: T.self).prefix(dims[0] * dims[1])) }
        guard data.count == dims[0] * dims[1] else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path]) }
        return Array2D(rows: dims[0], cols: dims[1], data: data)
    }
}
