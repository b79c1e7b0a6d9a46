import Core
import Foundation

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

    /// Reads and parses the file at `url`; `delimiter` is `,` or, for tab-separated files
    /// such as pycytominer platemaps, a tab.
    public init(contentsOf url: URL, delimiter: Character = ",") throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CSVError(source: url.path, line: 0, message: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CSVError(source: url.path, line: 0, message: "not UTF-8 text")
        }
        try self.init(parsing: text, source: url.path, delimiter: delimiter)
    }

    /// Parses CSV text (or another ASCII `delimiter`). Every row must have as many fields as the header.
    public init(parsing text: String, source: String = "<memory>", delimiter: Character = ",") throws {
        var text = text
        let d = try Self.delimiterByte(delimiter, source: source)
        var header: [String] = [], rows: [[String]] = [], lines: [Int] = []
        var width = RecordWidth(source: source)
        _ = try text.withUTF8 {
            try CSVTable.records(in: $0, source: source, delimiter: d) { fields, line in
                if try width.isHeader(fields, line: line) { header = fields } else { rows.append(fields); lines.append(line) }
            }
        }
        try width.end()
        self.source = source
        self.header = header
        self.rows = rows
        self.lineNumbers = lines
    }

    /// Reads the file at `url` a block at a time and hands `header` the header row, then
    /// `row` each row with its line number, without holding the file's text or its rows: a
    /// table of many rows (a screen's well profiles) read straight into numbers. Same rules
    /// and errors as `init(contentsOf:)`.
    public static func forEachRow(contentsOf url: URL, delimiter: Character = ",", blockSize: Int = 1 << 20,
                                  header: ([String]) throws -> Void, row: ([String], Int) throws -> Void) throws {
        let d = try delimiterByte(delimiter, source: url.path)
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CSVError(source: url.path, line: 0, message: "cannot read file")
        }
        defer { try? handle.close() }
        var width = RecordWidth(source: url.path)
        var buffer: [UInt8] = []
        var line = 1
        var atEnd = false
        while !atEnd {
            let block: Data
            do { block = try handle.read(upToCount: max(1, blockSize)) ?? Data() } catch {
                throw CSVError(source: url.path, line: 0, message: "cannot read file")
            }
            atEnd = block.isEmpty
            buffer.append(contentsOf: block)
            // Parse up to the last line break outside quotes: whole records only. Line breaks
            // are ASCII, so a cut never splits a UTF-8 sequence.
            var cut = 0
            if atEnd { cut = buffer.count } else {
                var quoted = false
                for (i, b) in buffer.enumerated() {
                    if b == UInt8(ascii: "\"") { quoted.toggle() } else if b == UInt8(ascii: "\n"), !quoted { cut = i + 1 }
                }
            }
            guard cut > 0 else { continue }
            line = try buffer.withUnsafeBufferPointer { all in
                let piece = UnsafeBufferPointer(rebasing: all[0..<cut])
                guard String(validating: piece, as: UTF8.self) != nil else {
                    throw CSVError(source: url.path, line: 0, message: "not UTF-8 text")
                }
                return try records(in: piece, source: url.path, delimiter: d, firstLine: line) { fields, line in
                    if try width.isHeader(fields, line: line) { try header(fields) } else { try row(fields, line) }
                }
            }
            buffer.removeFirst(cut)
        }
        try width.end()
    }

    private static func delimiterByte(_ delimiter: Character, source: String) throws -> UInt8 {
        guard let d = delimiter.asciiValue, d != UInt8(ascii: "\""), d != UInt8(ascii: "\n") else {
            throw CSVError(source: source, line: 0, message: "delimiter \(delimiter.debugDescription) is not a single ASCII separator")
        }
        return d
    }

    /// The first record is the header; every later one must have as many fields.
    private struct RecordWidth {
        let source: String
        var width: Int?

        init(source: String) { self.source = source }

        /// Whether `fields` is the header; an error if a row's width differs from it.
        mutating func isHeader(_ fields: [String], line: Int) throws -> Bool {
            guard let width else { width = fields.count; return true }
            guard fields.count == width else {
                throw CSVError(source: source, line: line, message: "expected \(width) fields as in the header, found \(fields.count)")
            }
            return false
        }

        func end() throws {
            if width == nil { throw CSVError(source: source, line: 1, message: "empty file, expected a header row") }
        }
    }

    /// Splits UTF-8 bytes into records, handing each to `body` with the line it starts on
    /// (counting from `firstLine`); blank lines are skipped; returns the line after the last.
    /// Works on bytes because every CSV delimiter is ASCII, which keeps multi-megabyte tables
    /// fast to read.
    @discardableResult
    private static func records(in bytes: UnsafeBufferPointer<UInt8>, source: String, delimiter comma: UInt8, firstLine: Int = 1,
                                _ body: (_ fields: [String], _ line: Int) throws -> Void) throws -> Int {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var fields: [String] = []
        var line = firstLine
        var recordLine = firstLine
        var i = 0
        let n = bytes.count
        var atRecordEnd = false
        while i < n || (!fields.isEmpty && !atRecordEnd) {
            atRecordEnd = false
            // One field.
            var value: String
            if i < n && bytes[i] == quote {
                var buf: [UInt8] = []
                i += 1
                var closed = false
                while i < n {
                    let c = bytes[i]
                    if c == quote {
                        if i + 1 < n && bytes[i + 1] == quote { buf.append(quote); i += 2; continue }
                        i += 1; closed = true; break
                    }
                    if c == lf { line += 1 }
                    buf.append(c); i += 1
                }
                if !closed { throw CSVError(source: source, line: recordLine, message: "unterminated quoted field") }
                value = String(decoding: buf, as: UTF8.self)
                // Anything between the closing quote and the delimiter is kept verbatim.
                let s = i
                while i < n && bytes[i] != comma && bytes[i] != lf && bytes[i] != cr { i += 1 }
                if i > s { value += String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<i]), as: UTF8.self) }
            } else {
                let s = i
                while i < n && bytes[i] != comma && bytes[i] != lf && bytes[i] != cr { i += 1 }
                value = String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<i]), as: UTF8.self)
            }
            fields.append(value)
            if i < n && bytes[i] == comma { i += 1; if i == n { fields.append("") } else { continue } }
            // End of record: skip \r, \n.
            if i < n && bytes[i] == cr { i += 1 }
            if i < n && bytes[i] == lf { i += 1 }
            if !(fields.count == 1 && fields[0].isEmpty) { try body(fields, recordLine) }
            fields = []
            atRecordEnd = true
            line += 1
            recordLine = line
            if i >= n { break }
        }
        return line
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
