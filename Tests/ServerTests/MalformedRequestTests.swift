import Core
import XCTest
import Foundation
import Hummingbird
@testable import Server

/// Malformed requests against a live server over real HTTP: each must get a 4xx with a JSON
/// `error`, never a 5xx or a dropped connection, and the server must answer `/health` after.
final class MalformedRequestTests: XCTestCase {
    func testMalformedRequestsGet4xxAndServerStaysHealthy() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        let key = ServerFixture.apiKey
        let huge = String(repeating: "x", count: fixture.configuration.maxJSONBytes + 10)
        let hugeImage = String(repeating: "I", count: fixture.configuration.maxUploadBytes + 10)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0]
        let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 0xFF, 0xFF, 0, 1]
        let text: [(String, String, String?, String)] = [
            ("POST", "/api/search", "{", "bad JSON"),
            ("POST", "/api/search", "[1,2,3]", "not an object"),
            ("POST", "/api/search", "", "empty body"),
            ("POST", "/api/search", "\"just a string\"", "a JSON string"),
            ("POST", "/api/search", #"{"id": NaN}"#, "NaN is not JSON"),
            ("POST", "/api/search", "{\"vector\": \"\(huge)\"}", "body over the limit"),
            ("POST", "/api/search", #"{"id": "3"}"#, "id as string"),
            ("POST", "/api/search", #"{"id": 1.5}"#, "fractional id"),
            ("POST", "/api/search", #"{"id": 1e300}"#, "enormous id"),
            ("POST", "/api/search", #"{"id": -1}"#, "negative id"),
            ("POST", "/api/search", #"{"id": 99999}"#, "unknown id"),
            ("POST", "/api/search", #"{"id": 1, "k": 0}"#, "k zero"),
            ("POST", "/api/search", #"{"id": 1, "k": "ten"}"#, "k string"),
            ("POST", "/api/search", #"{"id": 1, "k": true}"#, "k boolean"),
            ("POST", "/api/search", #"{"id": 1, "vector": [1]}"#, "both id and vector"),
            ("POST", "/api/search", #"{"vector": [1, 2]}"#, "wrong dimension"),
            ("POST", "/api/search", #"{"vector": [0,0,0,0,0,0,0,0]}"#, "zero vector"),
            ("POST", "/api/search", #"{"vector": [1,2,3,4,5,6,7,"x"]}"#, "string in vector"),
            ("POST", "/api/search", #"{"vector": [1e39,0,0,0,0,0,0,1]}"#, "float32 overflow"),
            ("POST", "/api/search", #"{"id": 1, "filter": "nonsense"}"#, "bad filter"),
            ("POST", "/api/search", #"{"id": 1, "filter": 7}"#, "filter number"),
            ("POST", "/api/search", #"{"vector": [1,0,0,0,0,0,0,0], "filter": "Metadata_MoA!=$query"}"#, "$query without id"),
            ("POST", "/api/search", #"{"id": 1, "extra": 1}"#, "unknown field"),
            ("POST", "/api/search", String(repeating: "[", count: 5000), "deep nesting"),
            ("POST", "/api/moa", #"{"id": 1, "label_field": "Nope"}"#, "unknown label field"),
            ("POST", "/api/moa", #"{"vector": [1,0,0,0,0,0,0,0], "exclude_same": "Metadata_Compound"}"#, "exclude_same without id"),
            ("GET", "/api/items/abc", nil, "non-numeric id"),
            ("GET", "/api/items/-4", nil, "negative path id"),
            ("GET", "/api/items/99999999999999999999999", nil, "overflowing id"),
            ("GET", "/api/items?limit=0", nil, "limit zero"),
            ("GET", "/api/items?filter=%ZZ", nil, "bad percent-encoding"),
            ("POST", "/api/items", #"{"vector": [1,2,3,4,5,6,7,8], "tags": ["has space"]}"#, "bad tag"),
            ("POST", "/api/items", #"{"fields": {}}"#, "missing vector"),
            ("POST", "/api/items/1/tags", #"{"add": "solo"}"#, "tags not an array"),
            ("POST", "/api/flags", #"{"plate": 3, "well": "A01"}"#, "plate number"),
            ("POST", "/api/flags", #"{"plate": "P0"}"#, "missing well"),
            ("GET", "/api/thumbnail?plate=P0&well=A01&site=x", nil, "site not a number"),
            ("POST", "/api/search/image", "GIF89a....", "not an image"),
            ("POST", "/api/search/image", hugeImage, "image over the upload limit"),
            ("POST", "/api/search/image", nil, "no image"),
            ("GET", "/api/nothing", nil, "unknown route"),
            ("PUT", "/api/search", "{}", "wrong method"),
        ]
        let cases: [(String, String, [UInt8]?, String)] = text.map { ($0.0, $0.1, $0.2.map { Array($0.utf8) }, $0.3) }
            + [("POST", "/api/search/image", png, "truncated PNG"), ("POST", "/api/search/image", tiff, "truncated TIFF"),
               ("POST", "/api/search/image", png + Array(repeating: 0xAB, count: 5000), "PNG header then garbage")]
        try await TestServer.with(service, metrics) { client in
            for (method, uri, body, what) in cases {
                let r = try await client.send(method, uri, raw: body, key: key)
                XCTAssertTrue((400..<500).contains(r.status), "\(what): status \(r.status) \(r.text.prefix(200))")
                let error = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["error"] as? String
                XCTAssertFalse((error ?? "").isEmpty, "\(what): no JSON error in \(r.text.prefix(200))")
            }
            // Seeded byte-level mutations of valid bodies: no 5xx, whatever they become.
            var rng = SeededRandom(seed: 11)
            let valid = [#"{"id": 3, "k": 4, "filter": ["!tag:bad"]}"#, #"{"vector": [1,0,0,0,0,0,0,0], "k": 2}"#]
            var serverErrors: [String] = []
            let syntax = Array(#"{}[]",:0-e."#.utf8)
            for i in 0..<300 {
                var bytes = Array(valid[i % 2].utf8)
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let p = Int(rng.next() % UInt64(bytes.count + 1))
                    switch bytes.isEmpty || p == bytes.count ? 2 : rng.next() % 3 {
                    case 0: bytes[p] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: bytes.remove(at: p)
                    default: bytes.insert(syntax[Int(rng.next() % UInt64(syntax.count))], at: p)
                    }
                }
                let r = try await client.send("POST", i % 3 == 0 ? "/api/moa" : "/api/search", raw: bytes)
                if r.status >= 500 { serverErrors.append(String(decoding: bytes, as: UTF8.self)) }
            }
            XCTAssertEqual(serverErrors, [], "mutated bodies that made the server fail")
            let health = try await client.send("GET", "/health")
            XCTAssertEqual(health.status, 200)
        }
        XCTAssertEqual(metrics.count(statusClass: 5), 0)
    }
}
