import XCTest
import Foundation
import Hummingbird
import Imaging
import Screen
import Search
@testable import Server

final class ServerTests: XCTestCase {
    func testOpenAPIDocumentMatchesTheRoutes() async throws {
        let columns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Compound", "Metadata_MoA"]
        let text = OpenAPIDocument.json(dimension: 8, columns: columns, cosine: true)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(doc["openapi"] as? String, "3.1.0")
        let paths = try XCTUnwrap(doc["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "post", "put", "delete", "patch"]
        for r in SearchAPI.routes {
            XCTAssertNotNil(paths[r.path]?[r.method.lowercased()], "\(r.method) \(r.path) is missing from openapi.json")
        }
        for (path, ops) in paths {
            for m in ops.keys where methods.contains(m) {
                XCTAssertTrue(SearchAPI.routes.contains { $0.path == path && $0.method.lowercased() == m }, "\(m) \(path) documented but not routed")
            }
        }
        // And every listed route is really served: none answers "no route".
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        try await TestServer.with(service, metrics) { client in
            for r in SearchAPI.routes {
                let path = r.path.replacingOccurrences(of: "{id}", with: "0")
                let response = try await client.send(r.method, path, json: [String: Any](), key: ServerFixture.apiKey)
                let error = response.json["error"] as? String ?? ""
                XCTAssertFalse(error.hasPrefix("no route"), "\(r.method) \(r.path): \(error)")
                XCTAssertNotEqual(response.status, 405, "\(r.method) \(r.path)")
            }
            let served = try await client.send("GET", "/openapi.json")
            XCTAssertEqual(served.text, text)
        }
    }

    func testSearchVoteItemsMapAndPlates() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        try await TestServer.with(service, metrics) { client in
            let health = try await client.send("GET", "/health")
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.json["items"] as? Int, 24)

            // Item 1 is MoA A (compound A-0); its nearest neighbours are the other A wells.
            let r = try await client.send("POST", "/api/search", json: ["id": 1, "k": 5])
            XCTAssertEqual(r.status, 200)
            let results = try XCTUnwrap(r.json["results"] as? [[String: Any]])
            XCTAssertEqual(results.count, 5)
            XCTAssertFalse(results.contains { $0["id"] as? Int == 1 }, "the query item is not its own neighbour")
            XCTAssertEqual(results.compactMap { ($0["fields"] as? [String: String])?["Metadata_MoA"] }, Array(repeating: "A", count: 5))
            let scores = results.compactMap { $0["score"] as? Double }
            XCTAssertEqual(scores, scores.sorted(by: >))

            let filtered = try await client.send("POST", "/api/search", json: ["id": 1, "k": 30, "filter": "Metadata_Compound!=$query and Metadata_Plate=P1"])
            let f = try XCTUnwrap(filtered.json["results"] as? [[String: Any]])
            XCTAssertEqual(f.count, 11) // 12 wells of P1 minus the one sharing compound A-0
            XCTAssertTrue(f.allSatisfy { ($0["fields"] as? [String: String])?["Metadata_Compound"] != "A-0" })

            var v = [Double](repeating: 0, count: 8); v[2] = 1
            let byVector = try await client.send("POST", "/api/search", json: ["vector": v, "k": 3])
            XCTAssertEqual((byVector.json["results"] as? [[String: Any]])?.compactMap { ($0["fields"] as? [String: String])?["Metadata_MoA"] }, ["B", "B", "B"])

            // 4 other-compound A wells (A-1, A-2 on both plates): with k = 4 the vote is unanimous.
            let vote = try await client.send("POST", "/api/moa", json: ["id": 1, "k": 4])
            XCTAssertEqual(vote.json["label"] as? String, "A")
            XCTAssertEqual(vote.json["confidence"] as? Double ?? 0, 1, accuracy: 1e-9)
            XCTAssertEqual(vote.json["novel"] as? Bool, false)
            XCTAssertTrue((vote.json["neighbors"] as? [[String: Any]])?.allSatisfy { ($0["fields"] as? [String: String])?["Metadata_Compound"] != "A-0" } ?? false)
            var far = [Double](repeating: 0, count: 8); far[7] = 1
            let novel = try await client.send("POST", "/api/moa", json: ["vector": far, "k": 5])
            XCTAssertEqual(novel.json["novel"] as? Bool, true, "\(novel.json)")
            XCTAssertLessThan(novel.json["best_similarity"] as? Double ?? 1, novel.json["novelty_threshold"] as? Double ?? 0)

            let item = try await client.send("GET", "/api/items/3")
            XCTAssertEqual((item.json["vector"] as? [Double])?.count, 8)
            XCTAssertEqual((item.json["fields"] as? [String: String])?["Metadata_MoA"], "C")
            let list = try await client.send("GET", "/api/items?filter=Metadata_MoA%3DDMSO&limit=4")
            XCTAssertEqual(list.json["total"] as? Int, 6)
            XCTAssertEqual((list.json["items"] as? [Any])?.count, 4)

            let map = try await client.send("GET", "/api/umap")
            XCTAssertEqual((map.json["ids"] as? [Int])?.count, 24)
            XCTAssertEqual(map.json["source"] as? String, "computed")
            let platesResponse = try await client.send("GET", "/api/plates")
            let plates = try XCTUnwrap(platesResponse.json["plates"] as? [[String: Any]])
            XCTAssertEqual(plates.map { $0["plate"] as? String }, ["P0", "P1"])
            XCTAssertEqual(plates[0]["rows"] as? Int, 8)
            XCTAssertEqual(plates[0]["columns"] as? Int, 12)
            XCTAssertEqual((plates[0]["wells"] as? [Any])?.count, 12)

            let page = try await client.send("GET", "/")
            XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
            XCTAssertFalse(page.text.contains("http://") || page.text.contains("https://"), "the page must not load anything from the network")
        }
    }

    func testWritesNeedTheKeyAndPersist() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        let v: [Double] = [0, 0, 0, 0, 0, 0, 3, 0]
        try await TestServer.with(service, metrics) { client in
            let body: [String: Any] = ["vector": v, "fields": ["Metadata_MoA": "D", "Metadata_Plate": "P0"], "tags": ["new"]]
            do { let status = try await client.send("POST", "/api/items", json: body).status; XCTAssertEqual(status, 401) }
            do { let status = try await client.send("POST", "/api/items", json: body, key: "wrong-key-000").status; XCTAssertEqual(status, 403) }
            let added = try await client.send("POST", "/api/items", json: body, key: ServerFixture.apiKey)
            XCTAssertEqual(added.status, 201)
            XCTAssertEqual(added.json["id"] as? Int, 24)
            let found = try await client.send("POST", "/api/search", json: ["vector": v, "k": 1])
            XCTAssertEqual((found.json["results"] as? [[String: Any]])?.first?["id"] as? Int, 24)
            let tagged = try await client.send("POST", "/api/items/5/tags", json: ["add": ["reviewed", "odd"], "remove": ["odd"]], key: ServerFixture.apiKey)
            XCTAssertEqual(tagged.json["tags"] as? [String], ["reviewed"])
            do { let status = try await client.send("DELETE", "/api/items/7", key: ServerFixture.apiKey).status; XCTAssertEqual(status, 200) }
            do { let status = try await client.send("GET", "/api/items/7").status; XCTAssertEqual(status, 404) }
            do { let status = try await client.send("DELETE", "/api/items/7", key: ServerFixture.apiKey).status; XCTAssertEqual(status, 404) }
            let bad = try await client.send("POST", "/api/items", json: ["vector": v, "fields": ["Nope": "x"]], key: ServerFixture.apiKey)
            XCTAssertEqual(bad.status, 400)
            XCTAssertTrue((bad.json["error"] as? String ?? "").contains("fields.Nope"))
        }
        // A fresh server on the same folder sees every write.
        let reopened = await try SearchService(configuration: fixture.configuration).snapshot()
        XCTAssertEqual(reopened.index.index.count, 24)
        XCTAssertNil(reopened.index.index.vector(7))
        XCTAssertEqual(reopened.index.metadata.tags[5], ["reviewed"])
        XCTAssertEqual(reopened.index.metadata.value(24, "Metadata_MoA"), "D")
        XCTAssertEqual(reopened.map?.count, 50, "the new item has a map position too")
    }

    func testReadOnlyWithoutKeyAndKeyedReads() async throws {
        let open = try ServerFixture(apiKey: nil)
        defer { open.remove() }
        try await TestServer.with(try open.service().0) { client in
            let r = try await client.send("DELETE", "/api/items/1", key: "anything")
            XCTAssertEqual(r.status, 403)
            XCTAssertTrue((r.json["error"] as? String ?? "").contains("read-only"))
            do { let status = try await client.send("GET", "/api/items/1").status; XCTAssertEqual(status, 200) }
        }
        let keyed = try ServerFixture(openReads: false)
        defer { keyed.remove() }
        try await TestServer.with(try keyed.service().0) { client in
            do { let status = try await client.send("GET", "/api/items/1").status; XCTAssertEqual(status, 401) }
            do { let status = try await client.send("GET", "/api/items/1", key: ServerFixture.apiKey).status; XCTAssertEqual(status, 200) }
            do { let status = try await client.send("GET", "/health").status; XCTAssertEqual(status, 200) }
        }
    }

    func testFlagWritesTheCatalogAndTagsItemsBad() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        try await TestServer.with(service, metrics) { client in
            let r = try await client.send("POST", "/api/flags", json: ["plate": "P1", "well": "A02"], key: ServerFixture.apiKey)
            XCTAssertEqual(r.status, 200, "\(r.json)")
            XCTAssertEqual(r.json["sites"] as? [String], ["P1/A02/s1"])
            XCTAssertEqual(r.json["tagged_items"] as? [Int], [13])
            let s = try await client.send("POST", "/api/search", json: ["id": 1, "k": 30, "filter": ["!tag:bad"]])
            XCTAssertFalse((s.json["results"] as? [[String: Any]] ?? []).contains { $0["id"] as? Int == 13 })
            do { let status = try await client.send("POST", "/api/flags", json: ["plate": "P1", "well": "H12", "site": 1], key: ServerFixture.apiKey).status; XCTAssertEqual(status, 404) }
            let badWell = try await client.send("POST", "/api/flags", json: ["plate": "P1", "well": "12A"], key: ServerFixture.apiKey)
            XCTAssertEqual(badWell.status, 400)
            XCTAssertTrue((badWell.json["error"] as? String ?? "").hasPrefix("field 'well'"))
        }
        let catalog = try Catalog(url: fixture.configuration.catalogURL!)
        let included = try catalog.includedSites()
        XCTAssertEqual(included.count, 23)
        XCTAssertFalse(included.contains(SiteKey(plate: "P1", well: WellPosition("A02")!, site: 1)))
    }

    func testThumbnailIsTheSiteComposite() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        try await TestServer.with(service, metrics) { client in
            let r = try await client.send("GET", "/api/thumbnail?plate=P0&well=A03&site=1")
            XCTAssertEqual(r.status, 200)
            XCTAssertEqual(r.headers["content-type"], "image/png")
            let png = try PNGCodec.decode(Data(r.body))
            XCTAssertEqual([png.width, png.height, png.planes.count], [48, 40, 3])
            // The same pixels as rendering the manifest's TIFFs directly.
            let row = try XCTUnwrap(service.manifest?.rows.first { $0.plate == "P0" && $0.well.description == "A03" })
            let planes = try ["DNA", "Actin"].map { try TIFFReader.readUInt16(service.manifest!.imageURL(row, channel: $0)!) }
            let expected = Composite().png(planes, colors: [Composite.defaultColor(for: "DNA", index: 0), Composite.defaultColor(for: "Actin", index: 1)])
            XCTAssertEqual(r.body, expected)
            do { let status = try await client.send("GET", "/api/thumbnail?plate=P0&well=H11").status; XCTAssertEqual(status, 404) }
            do { let status = try await client.send("GET", "/api/thumbnail?plate=P0&well=zz").status; XCTAssertEqual(status, 400) }
            do { let status = try await client.send("GET", "/api/thumbnail?well=A01").status; XCTAssertEqual(status, 400) }
        }
    }

    func testImageSearchWithoutRecipeIs409() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        let tiff = fixture.directory.appendingPathComponent("two.tif")
        try TIFFWriter.write([Image<UInt16>(width: 16, height: 12, repeating: 7), Image<UInt16>(width: 16, height: 12, repeating: 9)], to: tiff)
        let png = fixture.directory.appendingPathComponent("one.png")
        try PNGCodec.write(gray: Image<UInt8>(width: 5, height: 4, repeating: 3), to: png)
        try await TestServer.with(service, metrics) { client in
            for (file, channels) in [(tiff, 2), (png, 1)] {
                let r = try await client.send("POST", "/api/search/image", raw: Array(try Data(contentsOf: file)))
                XCTAssertEqual(r.status, 409, "the server's state (no recipe), as for a missing catalog or manifest")
                let error = r.json["error"] as? String ?? ""
                XCTAssertTrue(error.contains("no recipe") && error.contains("\(channels) channel"), error)
            }
        }
    }

    func testMetricsCountRequestsByRouteAndStatus() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let (service, metrics) = try fixture.service()
        try await TestServer.with(service, metrics) { client in
            for id in 0..<3 { _ = try await client.send("POST", "/api/search", json: ["id": id]) }
            _ = try await client.send("GET", "/api/items/999")
            let text = try await client.send("GET", "/metrics").text
            XCTAssertTrue(text.contains(#"phenoscope_http_requests_total{method="POST",route="/api/search",status="200"} 3"#), text)
            XCTAssertTrue(text.contains(#"phenoscope_http_requests_total{method="GET",route="/api/items/{id}",status="404"} 1"#), text)
            XCTAssertTrue(text.contains(#"phenoscope_http_request_duration_seconds_bucket{method="POST",route="/api/search",status="200",le="+Inf"} 3"#))
            XCTAssertTrue(text.contains("phenoscope_index_items 24"))
        }
        XCTAssertEqual(metrics.count(statusClass: 4), 1)
    }
}

final class JSONTextTests: XCTestCase {
    /// Whatever JSONText writes, Foundation's parser reads back to the same values.
    func testRoundTripsThroughFoundation() throws {
        let value: [String: Any] = [
            "b": true, "f": false, "i": -42, "d": 0.1, "e": 1e-7, "big": 1.5e300, "nan": Double.nan,
            "s": "quote \" backslash \\ tab \t nl \n bell \u{7} é 🧫", "null": NSNull(),
            "ints": [1, 2, 3], "strings": ["a", "b"], "map": ["z": "1", "a": "2"], "nested": [["x": [0.25]]],
        ]
        let text = JSONText.encode(value)
        XCTAssertTrue(text.hasPrefix(#"{"b":true,"big":1.5e+300,"d":0.1,"e":1e-07,"#), text)
        let back = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(back["s"] as? String, value["s"] as? String)
        XCTAssertEqual(back["i"] as? Int, -42)
        XCTAssertEqual(back["d"] as? Double, 0.1)
        XCTAssertEqual(back["e"] as? Double, 1e-7)
        XCTAssertEqual(back["big"] as? Double, 1.5e300)
        XCTAssertTrue(back["nan"] is NSNull)
        XCTAssertTrue(back["null"] is NSNull)
        XCTAssertEqual(back["b"] as? Bool, true)
        XCTAssertEqual(back["ints"] as? [Int], [1, 2, 3])
        XCTAssertEqual(back["map"] as? [String: String], ["z": "1", "a": "2"])
        XCTAssertEqual(((back["nested"] as? [[String: Any]])?.first?["x"] as? [Double]), [0.25])
    }
}
