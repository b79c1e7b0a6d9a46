import Foundation
import Yams

/// The one strict YAML loader of the project's configs (`phenoscope train`, `phenoscope run`):
/// the user's keys are laid over the encoded defaults, so every key is optional, an unknown
/// key at any depth is found by name before decoding, and a wrong type or value is one line
/// naming the file and the dotted key (`c.yaml: crops.dtype: 'f32': expected u16 or f16`).
public enum StrictYAML {
    /// Decodes `text` over `defaults`; errors name `file`.
    public static func decode<T: Codable>(_ type: T.Type, from text: String, defaults: T, file: String) throws -> T {
        let base = try Yams.compose(yaml: YAMLEncoder().encode(defaults)) ?? Node.mapping([:])
        let user: Node
        do { user = try Yams.compose(yaml: text) ?? Node.mapping([:]) } catch {
            throw ConfigError(description: "\(file): not valid YAML: \("\(error)".split(separator: "\n").first ?? "")")
        }
        func merge(_ base: Node, _ over: Node, path: String) throws -> Node {
            guard case .mapping(var b) = base else { return over }
            guard case .mapping(let o) = over else {
                throw ConfigError(description: "\(file): \(path.isEmpty ? "top level" : path): expected a mapping")
            }
            for (k, v) in o {
                let key = k.string ?? "\(k)"
                let full = path.isEmpty ? key : "\(path).\(key)"
                guard let old = b[k] else { throw ConfigError(description: "\(file): unknown key '\(full)'") }
                b[k] = try merge(old, v, path: full)
            }
            return .mapping(b)
        }
        let merged = try merge(base, user, path: "")
        do {
            return try YAMLDecoder().decode(T.self, from: merged)
        } catch let DecodingError.typeMismatch(type, ctx), let DecodingError.valueNotFound(type, ctx) {
            throw ConfigError(description: "\(file): \(keyPath(ctx.codingPath)): expected \(type)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw ConfigError(description: "\(file): \(keyPath(ctx.codingPath)): \(ctx.debugDescription)")
        } catch {
            throw ConfigError(description: "\(file): \("\(error)".split(separator: "\n").joined(separator: " "))")
        }
    }

    /// A dotted key path; list positions are left out, so an error in `families[2]` names `families`.
    static func keyPath(_ keys: [CodingKey]) -> String {
        let names = keys.filter { $0.intValue == nil }.map(\.stringValue)
        return names.isEmpty ? "top level" : names.joined(separator: ".")
    }

    /// A config error: one line naming the file and key.
    public struct ConfigError: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(description: String) { self.description = description }
    }
}

/// A choice among named values in a config (a segmentation method, a normalization level):
/// decoding anything else fails with the allowed values listed, which `StrictYAML` turns into
/// one line naming the key.
public protocol ConfigChoice: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {}

extension ConfigChoice {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)': expected \(Self.allowedValues)"))
        }
        self = value
    }

    /// The raw values as an English list: `none, plate, well or image`.
    public static var allowedValues: String {
        let names = allCases.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }
}
