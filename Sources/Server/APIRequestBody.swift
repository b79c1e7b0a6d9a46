import Foundation
import Hummingbird

/// A JSON request body of the API as a typed contract: decoded strictly (an unknown field,
/// a wrong type or a missing required field is a 400 naming the field and what it should
/// be), so handlers only ever see well-typed values. `fields` lists the keys the body may
/// have; the OpenAPI document states the same shape.
protocol APIRequestBody: Decodable {
    static var fields: Set<String> { get }
}

/// A filter as one string of conditions joined by " and ", or an array of conditions.
enum FilterField: Decodable, Equatable {
    case text(String)
    case conditions([String])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .text(s); return }
        guard let a = try? c.decode([String].self) else {
            throw DecodingError.typeMismatch(FilterField.self, .init(codingPath: decoder.codingPath,
                debugDescription: "expected a string or an array of strings (ItemFilter conditions)"))
        }
        self = .conditions(a)
    }

    var expressions: [String] {
        switch self {
        case .text(let s): return FilterText.split(s)
        case .conditions(let a): return a
        }
    }
}

/// The magnitudes an API vector's components may have, stated in the OpenAPI document and
/// checked by the handlers alike: at most `maxMagnitude(dimension:)`, so that the squares
/// sum within float32 (the index refuses an overflowing norm); and for cosine, at least one
/// component of magnitude `minLargest` or more, so that the norm is not zero in float32.
enum VectorBounds {
    static let minLargest = 1e-18

    /// 0.9 x sqrt(float32 max / dimension), to three significant digits (as printed).
    static func maxMagnitude(dimension: Int) -> Double {
        let bound = (Double(Float.greatestFiniteMagnitude) / Double(max(dimension, 1))).squareRoot() * 0.9
        return Double(String(format: "%.3g", bound)) ?? bound
    }

    /// The vector as float32 after those checks; errors name the component.
    static func checked(_ v: [Double], dimension: Int, cosine: Bool) throws -> [Float] {
        guard v.count == dimension else {
            throw APIError.badRequest("field 'vector': has \(v.count) values, the index has \(dimension) dimensions")
        }
        let bound = maxMagnitude(dimension: dimension)
        if let i = v.firstIndex(where: { !(abs($0) <= bound) }) {
            throw APIError.badRequest("field 'vector[\(i)]': \(v[i]) is outside -\(bound)...\(bound) (squares must sum within float32)")
        }
        if cosine, !v.contains(where: { abs($0) >= minLargest }) {
            throw APIError.badRequest("field 'vector': no component of magnitude \(minLargest) or more; a (near) zero vector has no direction for cosine similarity")
        }
        return v.map { Float($0) }
    }
}

/// `POST /api/items`.
struct AddItemRequest: APIRequestBody {
    static let fields: Set<String> = ["vector", "fields", "tags"]
    /// Decoded as doubles so that a value outside float32 is refused by name (`VectorBounds`)
    /// instead of failing the whole body.
    var vector: [Double]
    var fields: [String: String]?
    var tags: [String]?
}

/// `POST /api/items/{id}/tags`.
struct TagsRequest: APIRequestBody {
    static let fields: Set<String> = ["add", "remove"]
    var add: [String]?
    var remove: [String]?
}

/// `POST /api/search`: exactly one of `id` and `vector`.
struct SearchRequest: APIRequestBody {
    static let fields: Set<String> = ["id", "vector", "k", "filter", "ef"]
    var id: Int?
    var vector: [Double]?
    var k: Int?
    var filter: FilterField?
    var ef: Int?
}

/// `POST /api/moa`: exactly one of `id` and `vector`.
struct MoARequest: APIRequestBody {
    static let fields: Set<String> = ["id", "vector", "k", "filter", "label_field", "exclude_same"]
    var id: Int?
    var vector: [Double]?
    var k: Int?
    var filter: FilterField?
    var labelField: String?
    var excludeSame: String?

    enum CodingKeys: String, CodingKey {
        case id, vector, k, filter
        case labelField = "label_field"
        case excludeSame = "exclude_same"
    }
}

/// `POST /api/flags`.
struct FlagRequest: APIRequestBody {
    static let fields: Set<String> = ["plate", "well", "site", "defect"]
    var plate: String
    var well: String
    var site: Int?
    var defect: String?
}

/// Decodes request bodies and words every failure as one line naming the field.
enum APIRequestDecoder {
    /// The body of `request` (at most `limit` bytes, else 413) as `T`.
    static func decode<T: APIRequestBody>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        return try decode(type, from: try await body(of: request, limit: limit))
    }

    /// The whole body, at most `limit` bytes (413 beyond). A body cut short (the client
    /// went away, or broke the framing) is the client's fault: a 400, not a 500.
    static func body(of request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        } catch let e as HTTPResponseError {
            throw e
        } catch {
            throw APIError.badRequest("request body could not be read to its end (\(error))")
        }
    }

    /// `bytes` as `T`, or an `APIError` 400 naming what was wrong.
    static func decode<T: APIRequestBody>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard !bytes.isEmpty else { throw APIError.badRequest("request body is empty; expected a JSON object") }
        let data = Data(bytes)
        let decoder = JSONDecoder()
        do {
            let keys = try decoder.decode(BodyKeys.self, from: data)
            if let extra = keys.names.sorted().first(where: { !T.fields.contains($0) }) {
                throw APIError.badRequest("field '\(extra.prefix(80))': unknown; expected one of \(T.fields.sorted().joined(separator: ", "))")
            }
            return try decoder.decode(T.self, from: data)
        } catch let e as DecodingError {
            throw APIError.badRequest(message(e))
        }
    }

    /// One line for a decoding failure: the field's path and what it should have been.
    static func message(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.reduce("") { out, key in
                key.intValue.map { "\(out)[\($0)]" } ?? (out.isEmpty ? key.stringValue : "\(out).\(key.stringValue)")
            }
        }
        switch error {
        case .typeMismatch(let type, let c):
            if c.codingPath.isEmpty { return "request body must be a JSON object" }
            return "field '\(path(c.codingPath))': expected \(expected(type))"
        case .valueNotFound(let type, let c):
            return "field '\(path(c.codingPath))': expected \(expected(type)), got null"
        case .keyNotFound(let key, let c):
            return "field '\(path(c.codingPath + [key]))': required"
        case .dataCorrupted(let c):
            if c.codingPath.isEmpty { return "request body is not valid JSON" }
            return "field '\(path(c.codingPath))': \(c.debugDescription)"
        @unknown default:
            return "request body: \(error)"
        }
    }

    static func expected(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is FilterField.Type: return "a string or an array of strings (ItemFilter conditions)"
        default:
            let name = String(describing: type)
            return name.hasPrefix("Array") ? "an array" : name.hasPrefix("Dictionary") ? "an object" : "a value of type \(name)"
        }
    }

    /// The keys of a JSON object, whatever their values.
    struct BodyKeys: Decodable {
        var names: [String]
        init(from decoder: Decoder) throws {
            names = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// The request-body decoding of every JSON route, reachable from outside the module for the
/// fuzz harness (`Sources/FuzzDecoders`): `kind` (modulo 5) picks the body type; a query's
/// filter is then checked against the filter grammar as the handlers check it.
public enum APIRequestFuzzing {
    public static func decode(kind: UInt8, body: [UInt8]) throws {
        let columns = ["Metadata_Plate", "Metadata_Well", "Metadata_Compound", "Metadata_MoA"]
        func check(_ filter: FilterField?) throws {
            switch filter {
            case .text(let t): try FilterGrammar.check(text: t, columns: columns, field: "filter")
            case .conditions(let c): try FilterGrammar.check(conditions: c, columns: columns, field: "filter")
            case nil: break
            }
        }
        switch kind % 5 {
        case 0: try check(try APIRequestDecoder.decode(SearchRequest.self, from: body).filter)
        case 1: try check(try APIRequestDecoder.decode(MoARequest.self, from: body).filter)
        case 2: _ = try APIRequestDecoder.decode(AddItemRequest.self, from: body)
        case 3: _ = try APIRequestDecoder.decode(TagsRequest.self, from: body)
        default: _ = try APIRequestDecoder.decode(FlagRequest.self, from: body)
        }
    }
}
