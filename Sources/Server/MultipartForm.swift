import Foundation

/// A `multipart/form-data` body (RFC 7578) split into its parts: the form field name, the
/// file name when given, and the bytes. Only what an upload of channel files needs: no
/// nested multiparts, no transfer encodings. A body that does not follow the boundary is a
/// 400 naming what was wrong.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        public var bytes: [UInt8]
        public init(name: String, filename: String? = nil, bytes: [UInt8]) { self.name = name; self.filename = filename; self.bytes = bytes }
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    /// The body and its `Content-Type` header, for clients (the bench, tests).
    public func encoded(boundary: String = "phenoscope-\(UUID().uuidString)") -> (body: [UInt8], contentType: String) {
        var body: [UInt8] = []
        for part in parts {
            let disposition = "Content-Disposition: form-data; name=\"\(part.name)\"" + (part.filename.map { "; filename=\"\($0)\"" } ?? "")
            body += Array("--\(boundary)\r\n\(disposition)\r\nContent-Type: application/octet-stream\r\n\r\n".utf8) + part.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=...` header, or nil.
    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for item in contentType.split(separator: ";").dropFirst() {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }

    init(body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        var starts = Self.occurrences(of: delimiter, in: body)
        guard starts.count >= 2 else { throw APIError.badRequest("body: multipart/form-data without two '--\(boundary)' delimiters") }
        parts = []
        let headerEnd = Array("\r\n\r\n".utf8)
        while starts.count >= 2 {
            let from = starts.removeFirst() + delimiter.count + 2, to = starts[0] - 2   // past "\r\n"; before "\r\n--"
            guard from <= to, let split = Self.occurrences(of: headerEnd, in: Array(body[from..<to])).first else {
                throw APIError.badRequest("body: a multipart part has no header block")
            }
            let headers = String(decoding: body[from..<(from + split)], as: UTF8.self)
            var name: String?, filename: String?
            for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = Self.parameter("name", in: String(line))
                filename = Self.parameter("filename", in: String(line))
            }
            guard let name else { throw APIError.badRequest("body: a multipart part has no Content-Disposition name") }
            parts.append(Part(name: name, filename: filename, bytes: Array(body[(from + split + headerEnd.count)..<to])))
        }
    }

    /// A quoted `key="value"` parameter of a header line.
    static func parameter(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: "; \(key)=\"") ?? line.range(of: ";\(key)=\"") else { return nil }
        let rest = line[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Where `needle` starts in `haystack`, left to right, not overlapping.
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard let first = needle.first, haystack.count >= needle.count else { return [] }
        var out: [Int] = [], i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(i)
                i += needle.count
            } else {
                i += 1
            }
        }
        return out
    }
}
