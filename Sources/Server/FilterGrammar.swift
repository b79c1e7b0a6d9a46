import Foundation

/// The filter syntax the API accepts, as one regular expression per condition, so that the
/// OpenAPI document states exactly what the handlers check: `Field=value`, `Field!=value`,
/// `Field=a|b`, `Field=$query`, `tag:word`, `!tag:word`, where Field is a metadata column
/// of the index and values and tags are ASCII letters, digits and `_ . : -` (no spaces, so
/// the " and " that joins conditions in one string is never part of a value; no '+', which
/// a query string may use for a space).
enum FilterGrammar {
    static let tag = "[A-Za-z0-9_.:-]{1,64}"
    static let value = "[A-Za-z0-9_.:|-]*"

    /// One condition (unanchored); `query` allows `$query` as the value.
    static func condition(columns: [String], query: Bool) -> String {
        let tags = "!?tag:\(tag)"
        guard !columns.isEmpty else { return "(\(tags))" }
        let fields = columns.map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|")
        return "(\(tags)|(\(fields))!?=(\(query ? "\\$query|" : "")\(value)))"
    }

    /// Checks a filter given as one string of conditions joined by " and " (empty: none).
    static func check(text: String, columns: [String], field: String) throws {
        let c = condition(columns: columns, query: true)
        try match(text, "^(\(c)( and \(c))*)?$", columns: columns, field: field)
    }

    /// Checks a filter given as an array of conditions.
    static func check(conditions: [String], columns: [String], field: String) throws {
        let c = condition(columns: columns, query: true)
        for (i, text) in conditions.enumerated() { try match(text, "^\(c)$", columns: columns, field: "\(field)[\(i)]") }
    }

    static func match(_ text: String, _ pattern: String, columns: [String], field: String) throws {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil else {
            throw APIError.badRequest("\(field): '\(text.prefix(80))' is not a filter: expected Field=value, Field!=value, Field=a|b, "
                + "Field=$query, tag:word or !tag:word (values and tags of ASCII letters, digits and _ . : -, no spaces) "
                + "with Field one of \(columns.joined(separator: ", "))")
        }
    }
}
