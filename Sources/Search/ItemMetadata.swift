/// The metadata of every item in an index: named string fields per id, plus free tags.
///
/// Columns are the metadata CSV's (e.g. `Metadata_Plate`, `Metadata_Compound`); rows are
/// ids. Tags are a set of words per item that users add later (`bad`, `reviewed`, ...).
public struct ItemMetadata: Sendable, Equatable {
    public private(set) var columns: [String]
    /// values[id][column]
    public private(set) var values: [[String]]
    public private(set) var tags: [Set<String>]

    public init(columns: [String] = []) {
        self.columns = columns
        self.values = []
        self.tags = []
    }

    public init(columns: [String], values: [[String]], tags: [Set<String>]? = nil) {
        precondition(values.allSatisfy { $0.count == columns.count })
        self.columns = columns
        self.values = values
        self.tags = tags ?? Array(repeating: [], count: values.count)
    }

    public var count: Int { values.count }

    /// Throws naming the first column that appears twice: fields are looked up by column
    /// name, so a repeated name would be ambiguous (and traps the name-keyed dictionaries).
    public static func checkColumns(_ columns: [String]) throws {
        var seen = Set<String>()
        for c in columns where !seen.insert(c).inserted {
            throw IndexError("metadata column '\(c)' appears twice; expected unique column names")
        }
    }

    /// Appends an item's fields (by column name; missing ones empty); returns its id.
    @discardableResult
    public mutating func append(_ fields: [String: String], tags: Set<String> = []) -> Int {
        values.append(columns.map { fields[$0] ?? "" })
        self.tags.append(tags)
        return values.count - 1
    }

    public func value(_ id: Int, _ column: String) -> String? {
        guard let c = columns.firstIndex(of: column), id >= 0, id < values.count else { return nil }
        return values[id][c]
    }

    /// All fields of an item by name, tags under `tags` joined by `;`.
    public func fields(_ id: Int) -> [String: String] {
        var out = Dictionary(uniqueKeysWithValues: zip(columns, values[id]))
        out["tags"] = tags[id].sorted().joined(separator: ";")
        return out
    }

    public mutating func addTag(_ tag: String, to id: Int) { tags[id].insert(tag) }
    public mutating func removeTag(_ tag: String, from id: Int) { tags[id].remove(tag) }
}
