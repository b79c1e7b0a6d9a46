import Foundation
import Tensor

/// A CSV file read whole: a header and rows of strings, with the 1-based line number of
/// each row kept so that errors can name the line a person would open in an editor.
///
/// RFC 4180: fields may be quoted, quotes doubled inside quotes, quoted fields may hold
/// commas and newlines; `\r\n` and `\n` both end a record; a missing final newline is fine.
public struct CSVTable: Sendable {
    public var header: [String]
    public var rows: [[String]]
    /// For each row, the file line on which it starts (the header is line 1).
    public var lineNumbers: [Int]
    /// Where the table came from, for error messages.
    public var source: String

    public init(header: [String], rows: [[String]] = [], source: String = "<memory>") {
        self.header = header
        self.rows = rows
        self.lineNumbers = rows.indices.map { $0 + 2 }
        self.source = source
    }

    /// The index of the named column, if present.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The index of the named column, or an error naming the file and the column.
    public func requireColumn(_ name: String) throws -> Int {
        guard let i = column(name) else {
            throw CSVError(source: source, line: 1, message: "missing column '\(name)'")
        }
        return i
    }

    /// Reads and parses the file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CSVError(source: url.path, line: 0, message: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CSVError(source: url.path, line: 0, message: "not UTF-8 text")
        }
        try self.init(parsing: text, source: url.path)
    }

    /// Parses CSV text. Every row must have as many fields as the header.
    public init(parsing text: String, source: String = "<memory>") throws {
        self.source = source
        var records: [([String], Int)] = []
        var field = ""
        var record: [String] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            record.append(field)
            if !(record.count == 1 && record[0].isEmpty && !fieldWasQuoted) {
                records.append((record, recordLine))
            }
            record = []; field = ""; fieldWasQuoted = false
        }
        while let c = pending ?? chars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !fieldWasQuoted:
                inQuotes = true; fieldWasQuoted = true
            case ",":
                record.append(field); field = ""; fieldWasQuoted = false
            case "\r":
                continue
            case "\n":
                endRecord(); line += 1; recordLine = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw CSVError(source: source, line: recordLine, message: "unterminated quoted field") }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted { endRecord() }
        guard let first = records.first else { throw CSVError(source: source, line: 1, message: "empty file, expected a header row") }
        header = first.0
        rows = []
        lineNumbers = []
        for (fields, ln) in records.dropFirst() {
            guard fields.count == header.count else {
                throw CSVError(source: source, line: ln,
                               message: "expected \(header.count) fields as in the header, found \(fields.count)")
            }
            rows.append(fields)
            lineNumbers.append(ln)
        }
    }

    /// The table as CSV text, quoting fields only where needed.
    public func encoded() -> String {
        var out = ""
        out.reserveCapacity(rows.count * header.count * 8)
        func append(_ fields: [String]) {
            for (i, f) in fields.enumerated() {
                if i > 0 { out += "," }
                out += CSVTable.quoted(f)
            }
            out += "\n"
        }
        append(header)
        for r in rows { append(r) }
        return out
    }

    /// Writes the table to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    /// `field` quoted if it holds a comma, quote or line break.
    public static func quoted(_ field: String) -> String {
        if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }
}

/// A CSV problem, printed as `file:line: message`.
public struct CSVError: Error, CustomStringConvertible, LocalizedError {
    public let source: String
    public let line: Int
    public let message: String
    public init(source: String, line: Int, message: String) {
        self.source = source; self.line = line; self.message = message
    }
    public var description: String { line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)" }
    public var errorDescription: String? { description }
}
