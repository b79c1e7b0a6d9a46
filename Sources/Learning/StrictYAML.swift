import Foundation
import Yams

/// Decodes a YAML config strictly: the user's keys are laid over the encoded defaults, so an
/// unknown key at any depth is reported by its dotted path before decoding, and a wrong type
/// or value names its key; every error is one line starting with the file.
public enum StrictYAML {
    public struct ConfigError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public static func decode<T: Codable>(_ defaults: T, from text: String, file: String) throws -> T {
        let base = try Yams.compose(yaml: YAMLEncoder().encode(defaults))!
        let user: Node
        do { user = try Yams.compose(yaml: text) ?? Node.mapping([:]) } catch {
            throw ConfigError("\(file): not valid YAML: \("\(error)".split(separator: "\n").first ?? "")")
        }
        func merge(_ base: Node, _ over: Node, path: String) throws -> Node {
            guard case .mapping(var b) = base else { return over }
            guard case .mapping(let o) = over else {
                throw ConfigError("\(file): \(path.isEmpty ? "top level" : path): expected a mapping")
            }
            for (k, v) in o {
                let key = k.string ?? "\(k)"
                let full = path.isEmpty ? key : "\(path).\(key)"
                guard let old = b[k] else { throw ConfigError("\(file): unknown key '\(full)'") }
                b[k] = try merge(old, v, path: full)
            }
            return .mapping(b)
        }
        let merged = try merge(base, user, path: "")
        do { return try YAMLDecoder().decode(T.self, from: merged) } catch let DecodingError.typeMismatch(type, ctx) {
            throw ConfigError("\(file): \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw ConfigError("\(file): \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
        }
    }

    /// Reads `url` and decodes it as `decode(_:from:file:)` does.
    public static func load<T: Codable>(_ defaults: T, from url: URL) throws -> T {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw ConfigError("\(url.path): cannot read file") }
        return try decode(defaults, from: text, file: url.path)
    }
}
