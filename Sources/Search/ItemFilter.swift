/// A condition on item metadata, as written on the command line or in an API request.
///
/// Syntax, one condition per string, all conditions must hold:
/// - `Field=value`, `Field!=value`: equal / not equal (`Field=a|b` matches either);
/// - `Field=$query`, `Field!=$query`: same / different value as the query item (so NSC is
///   `Metadata_Compound!=$query` and NSCB adds `Metadata_Batch!=$query`);
/// - `tag:word`, `!tag:word`: has / lacks a free tag.
public struct ItemFilter: Sendable, Equatable, CustomStringConvertible {
    public enum Condition: Sendable, Equatable {
        case equals(field: String, values: Set<String>)
        case notEquals(field: String, values: Set<String>)
        case sameAsQuery(field: String)
        case differentFromQuery(field: String)
        case hasTag(String)
        case lacksTag(String)
    }

    public var conditions: [Condition]
    public let source: [String]

    public init(_ expressions: [String]) throws {
        source = expressions
        conditions = try expressions.map(ItemFilter.parse)
    }

    public var description: String { source.joined(separator: " and ") }

    static func parse(_ text: String) throws -> Condition {
        if text.hasPrefix("!tag:") { return .lacksTag(String(text.dropFirst(5))) }
        if text.hasPrefix("tag:") { return .hasTag(String(text.dropFirst(4))) }
        let negated: Bool
        let parts: [Substring]
        if let r = text.range(of: "!=") {
            negated = true; parts = [text[..<r.lowerBound], text[r.upperBound...]]
        } else if let r = text.range(of: "=") {
            negated = false; parts = [text[..<r.lowerBound], text[r.upperBound...]]
        } else {
            throw IndexError("filter '\(text)': expected Field=value, Field!=value, tag:word or !tag:word")
        }
        let field = parts[0].trimmingCharacters(in: .whitespaces)
        guard !field.isEmpty else { throw IndexError("filter '\(text)': missing field name before the operator") }
        let value = String(parts[1])
        if value == "$query" { return negated ? .differentFromQuery(field: field) : .sameAsQuery(field: field) }
        let values = Set(value.split(separator: "|", omittingEmptySubsequences: false).map(String.init))
        return negated ? .notEquals(field: field, values: values) : .equals(field: field, values: values)
    }

    /// Checks that every field named exists in `metadata`.
    public func validate(against metadata: ItemMetadata) throws {
        for c in conditions {
            let field: String
            switch c {
            case .equals(let f, _), .notEquals(let f, _), .sameAsQuery(let f), .differentFromQuery(let f): field = f
            case .hasTag, .lacksTag: continue
            }
            guard metadata.columns.contains(field) else {
                throw IndexError("filter field '\(field)' is not in the index metadata (columns: \(metadata.columns.joined(separator: ", ")))")
            }
        }
    }

    /// A predicate over candidate ids; `queryID` resolves `$query` (nil: such conditions
    /// cannot be evaluated, and throw).
    public func predicate(_ metadata: ItemMetadata, queryID: Int?) throws -> (Int) -> Bool {
        try validate(against: metadata)
        let col = Dictionary(uniqueKeysWithValues: metadata.columns.enumerated().map { ($1, $0) })
        var checks: [(Int) -> Bool] = []
        for c in conditions {
            switch c {
            case .equals(let f, let vs):
                let i = col[f]!; checks.append { vs.contains(metadata.values[$0][i]) }
            case .notEquals(let f, let vs):
                let i = col[f]!; checks.append { !vs.contains(metadata.values[$0][i]) }
            case .sameAsQuery(let f), .differentFromQuery(let f):
                guard let q = queryID else { throw IndexError("filter on '\(f)=$query' needs a query item (--id), not a raw vector") }
                let i = col[f]!
                let v = metadata.values[q][i]
                if case .sameAsQuery = c { checks.append { metadata.values[$0][i] == v } }
                else { checks.append { metadata.values[$0][i] != v } }
            case .hasTag(let t):
                checks.append { metadata.tags[$0].contains(t) }
            case .lacksTag(let t):
                checks.append { !metadata.tags[$0].contains(t) }
            }
        }
        return { id in checks.allSatisfy { $0(id) } }
    }
}
