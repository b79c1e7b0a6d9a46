import XCTest
import Foundation
import Core
@testable import Search

/// Issue 21's index cases: forged `index.json` sizes and parameters, huge k, rows that
/// overflow float32, duplicate metadata columns, and the copies a crashed save leaves.
final class SearchHostileInputTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("idx-hostile-\(UUID())")
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func savedIndex(_ name: String, kind: SearchIndex.Kind = .hnsw, rows: Int = 30) throws -> (SearchIndex, URL) {
        var index = SearchIndex(kind: kind, dimension: 4, metadataColumns: ["Metadata_Well"])
        for i in 0..<rows { _ = try index.add([Float(i % 7) + 1, Float(i % 3), 1, Float(i)], fields: ["Metadata_Well": "w\(i)"]) }
        let url = dir.appendingPathComponent(name)
        try index.save(to: url)
        return (index, url)
    }

    /// Rewrites one field of a saved `index.json`.
    func forge(_ url: URL, _ key: String, _ value: Any) throws {
        let file = url.appendingPathComponent("index.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        if key.hasPrefix("hnsw.") {
            var h = json["hnsw"] as! [String: Any]
            h[String(key.dropFirst(5))] = value
            json["hnsw"] = h
        } else {
            json[key] = value
        }
        try JSONSerialization.data(withJSONObject: json).write(to: file)
    }

    func assertOneLine(_ body: @autoclosure () throws -> Any, contains expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(expected), "\(e) lacks '\(expected)'", file: file, line: line)
            XCTAssertFalse("\(e)".contains("\n"), "\(e)", file: file, line: line)
        }
    }

    func testForgedHeadersAreOneLineErrors() throws {
        for (key, value, expected) in [("dimension", 0, "dimension 0"), ("dimension", 1 << 62, "dimension 4611686018427387904"),
                                       ("dimension", -3, "dimension -3"), ("rows", -1, "rows -1"),
                                       ("hnsw.m", 1, "HNSW m is 1"), ("hnsw.m", 0, "HNSW m is 0"), ("hnsw.m", 1 << 40, "HNSW m is"),
                                       ("hnsw.ef_search", 0, "ef_search is 0")] as [(String, Int, String)] {
            let (_, url) = try savedIndex("\(key)-\(value)")
            try forge(url, key, value)
            assertOneLine(try SearchIndex.open(url), contains: expected)
            assertOneLine(try SearchIndex.open(url), contains: "index.json")
        }
        let (_, url) = try savedIndex("columns")
        try forge(url, "metadata_columns", ["A", "A"])
        assertOneLine(try SearchIndex.open(url), contains: "metadata column 'A' appears twice")
    }

    func testParametersValidateBeforeTheTrappingInit() {
        XCTAssertThrowsError(try HNSWIndex.Parameters(m: 1).validate()) { XCTAssertEqual("\($0)", "HNSW m is 1; expected 2...4096") }
        XCTAssertNoThrow(try HNSWIndex.Parameters().validate())
        XCTAssertThrowsError(try ItemMetadata.checkColumns(["A", "B", "A"]))
    }

    func testHugeKIsClampedToTheItems() throws {
        for kind in [SearchIndex.Kind.exact, .hnsw] {
            let (index, _) = try savedIndex("k-\(kind)", kind: kind)
            XCTAssertEqual(try index.search(vectors: [[1, 1, 1, 1]], k: 1_000_000_000)[0].count, 30)
            XCTAssertEqual(try index.search(id: 0, k: Int.max).count, 29)
            XCTAssertEqual(try index.search(id: 0, k: Int.max, ef: Int.max).count, 29)
        }
    }

    func testRowsOverflowingFloat32AreRefusedNamingTheRow() throws {
        for kind in [SearchIndex.Kind.exact, .hnsw] {
            for metric in [Metric.cosine, .innerProduct, .l2] {
                var index = SearchIndex(kind: kind, dimension: 2, metric: metric)
                assertOneLine(try index.add(rows: [1, 2, 3e38, 1, 4, 5]), contains: "row 1")
                XCTAssertEqual(index.index.count, 0)
                assertOneLine(try index.add([3e38, 0]), contains: "overflows float32")
                assertOneLine(try index.add([.nan, 0]), contains: "finite")
            }
        }
    }

    func testStaleCopiesAreRemovedAtOpenAndSaveButNothingElse() throws {
        let (index, url) = try savedIndex("stale")
        let fm = FileManager.default
        let stale = [".tmp-\(UUID().uuidString)-stale", ".old-\(UUID().uuidString)-stale"]
        let kept = [".tmp-\(UUID().uuidString)-other", ".tmp-notauuid-stale", "stale-notes"]
        for name in stale + kept { try fm.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true) }
        // The previous naming of an old copy, `.old-UUID`, counts only when it is an index.
        let legacyIndex = dir.appendingPathComponent(".old-\(UUID().uuidString)")
        try fm.copyItem(at: url, to: legacyIndex)
        let legacyOther = dir.appendingPathComponent(".old-\(UUID().uuidString)")
        try fm.createDirectory(at: legacyOther, withIntermediateDirectories: true)
        _ = try SearchIndex.open(url)
        let left = Set(try fm.contentsOfDirectory(atPath: dir.path))
        XCTAssertEqual(left, Set(kept + ["stale", legacyOther.lastPathComponent]))
        try fm.createDirectory(at: dir.appendingPathComponent(stale[0]), withIntermediateDirectories: true)
        try index.save(to: url)
        XCTAssertEqual(Set(try fm.contentsOfDirectory(atPath: dir.path)), left)
    }
}
