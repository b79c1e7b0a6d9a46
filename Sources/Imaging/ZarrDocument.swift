import Foundation

/// Reads one of a zarr store's small JSON documents (`.zarray`, `.zattrs`) into its Codable
/// type; a missing file, an oversized one or a field of the wrong type becomes a one-line
/// `ImageIOError` naming the file and the field.
enum ZarrDocument {
    /// Metadata documents are a few KB; a larger one is not metadata.
    static let maxBytes = 4 << 20

    static func read<T: Decodable>(_ type: T.Type, at url: URL, what: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ImageIOError(file: url.path, "file not found (expected \(what))")
        }
        guard data.count <= maxBytes else {
            throw ImageIOError(file: url.path, "\(data.count) bytes; expected \(what), a small JSON document")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw ImageIOError(file: url.path, "\(path(ctx.codingPath + [key])): missing; expected \(what)")
        } catch let DecodingError.typeMismatch(type, ctx), let DecodingError.valueNotFound(type, ctx) {
            throw ImageIOError(file: url.path, "\(path(ctx.codingPath)): expected \(kind(type)) in \(what)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw ImageIOError(file: url.path, "\(path(ctx.codingPath)): \(ctx.debugDescription)")
        } catch {
            throw ImageIOError(file: url.path, "not \(what) (\("\(error)".split(separator: "\n").joined(separator: " ")))")
        }
    }

    /// A JSON reader's word for a Swift type: `[Int]` is "a list", not `Array<Int>`.
    static func kind(_ type: Any.Type) -> String {
        let name = "\(type)"
        if name.hasPrefix("Array") { return "a list" }
        if name.hasPrefix("Dictionary") { return "an object" }
        switch name {
        case "String": return "a string"
        case "Int", "Double", "Float": return "a number"
        case "Bool": return "true or false"
        default: return name
        }
    }

    /// `multiscales[0].datasets[0].path` style key path.
    static func path(_ keys: [CodingKey]) -> String {
        guard !keys.isEmpty else { return "top level" }
        return keys.reduce("") { text, key in
            key.intValue.map { "\(text)[\($0)]" } ?? (text.isEmpty ? key.stringValue : "\(text).\(key.stringValue)")
        }
    }
}
