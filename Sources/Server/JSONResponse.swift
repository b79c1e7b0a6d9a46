import Foundation
import Hummingbird

/// JSON bodies in and out: responses from plain dictionaries (keys sorted, so output is
/// stable), and request bodies collected under a size limit and parsed into a dictionary
/// whose fields handlers then read with `RequestFields`, which names the field at fault.
enum JSONResponse {
    static func make(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: JSONText.encode(object))))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        make(["error": message], status: status)
    }

    static func bytes(_ bytes: [UInt8], contentType: String, cache: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if cache { headers[.cacheControl] = "max-age=3600" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The request body as a JSON object; 413 past `limit` bytes, 400 if it is not an object.
    static func body(_ request: Request, limit: Int) async throws -> RequestFields {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        guard !bytes.isEmpty else { throw APIError.badRequest("request body is empty; expected a JSON object") }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) } catch {
            throw APIError.badRequest("request body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw APIError.badRequest("request body must be a JSON object") }
        return RequestFields(object)
    }
}

/// Typed access to a parsed JSON request body. Every accessor throws a 400 naming the field
/// and what it should have been, so clients learn exactly which part of a request was wrong.
struct RequestFields {
    let object: [String: Any]
    init(_ object: [String: Any]) { self.object = object }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    /// Rejects fields the endpoint does not know, so typos do not pass silently.
    func only(_ keys: Set<String>) throws {
        if let extra = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw APIError.badRequest("field '\(extra)': unknown; expected one of \(keys.sorted().joined(separator: ", "))")
        }
    }

    func int(_ key: String, default value: Int? = nil, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard has(key) else { return value }
        guard let n = object[key] as? NSNumber, !RequestFields.isBool(n), let d = Double(exactly: n.doubleValue),
              d == d.rounded(), abs(d) < 1e15 else {
            throw APIError.badRequest("field '\(key)': expected an integer")
        }
        let i = Int(d)
        if let range, !range.contains(i) {
            throw APIError.badRequest("field '\(key)': \(i) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return i
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard has(key) else { return value }
        guard let n = object[key] as? NSNumber, RequestFields.isBool(n) else {
            throw APIError.badRequest("field '\(key)': expected true or false")
        }
        return n.boolValue
    }

    func string(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let s = object[key] as? String else { throw APIError.badRequest("field '\(key)': expected a string") }
        return s
    }

    func strings(_ key: String) throws -> [String]? {
        guard has(key) else { return nil }
        guard let a = object[key] as? [Any], let s = a as? [String] else {
            throw APIError.badRequest("field '\(key)': expected an array of strings")
        }
        return s
    }

    /// A filter as an array of conditions, or one string of conditions joined by " and ".
    func filter(_ key: String = "filter") throws -> [String] {
        guard has(key) else { return [] }
        if let s = object[key] as? String { return FilterText.split(s) }
        guard let a = try? strings(key) else {
            throw APIError.badRequest("field '\(key)': expected a string or an array of strings (ItemFilter conditions)")
        }
        return a
    }

    func vector(_ key: String) throws -> [Float]? {
        guard has(key) else { return nil }
        guard let a = object[key] as? [Any] else { throw APIError.badRequest("field '\(key)': expected an array of numbers") }
        var out: [Float] = []
        out.reserveCapacity(a.count)
        for (i, x) in a.enumerated() {
            guard let n = x as? NSNumber, !RequestFields.isBool(n) else {
                throw APIError.badRequest("field '\(key)[\(i)]': expected a number")
            }
            let f = Float(n.doubleValue)
            guard f.isFinite else { throw APIError.badRequest("field '\(key)[\(i)]': expected a finite float32 value") }
            out.append(f)
        }
        return out
    }

    func stringMap(_ key: String) throws -> [String: String]? {
        guard has(key) else { return nil }
        guard let m = object[key] as? [String: Any] else { throw APIError.badRequest("field '\(key)': expected an object of strings") }
        var out: [String: String] = [:]
        for (k, v) in m {
            if let s = v as? String { out[k] = s } else if let n = v as? NSNumber, !RequestFields.isBool(n) { out[k] = n.stringValue } else {
                throw APIError.badRequest("field '\(key).\(k)': expected a string")
            }
        }
        return out
    }

    /// JSONSerialization gives booleans as NSNumber too; tell them apart so `"k": true` is
    /// a type error rather than k = 1.
    static func isBool(_ n: NSNumber) -> Bool {
        #if canImport(Darwin)
        return CFGetTypeID(n) == CFBooleanGetTypeID()
        #else
        return n === NSNumber(value: true) || n === NSNumber(value: false) || String(cString: n.objCType) == "c"
        #endif
    }
}

/// A filter typed as one string, as in the web page's filter box: conditions joined by
/// " and " (the way `ItemFilter.description` prints them).
enum FilterText {
    static func split(_ text: String) -> [String] {
        text.components(separatedBy: " and ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
