import XCTest
@testable import Screen

final class CSVTableTests: XCTestCase {
    func testQuotesNewlinesAndLineNumbers() throws {
        let text = "a,b\n1,\"x,y\"\r\n\"multi\nline\",\"q\"\"q\"\n3,"
        let t = try CSVTable(parsing: text, source: "t.csv")
        XCTAssertEqual(t.header, ["a", "b"])
        XCTAssertEqual(t.rows, [["1", "x,y"], ["multi\nline", "q\"q"], ["3", ""]])
        XCTAssertEqual(t.lineNumbers, [2, 3, 5])
        let again = try CSVTable(parsing: t.encoded())
        XCTAssertEqual(again.rows, t.rows)
    }

    func testRaggedRowNamesLine() {
        XCTAssertThrowsError(try CSVTable(parsing: "a,b\n1,2\n3\n", source: "m.csv")) { error in
            XCTAssertEqual("\(error)", "m.csv:3: expected 2 fields as in the header, found 1")
        }
    }

    func testUnterminatedQuote() {
        XCTAssertThrowsError(try CSVTable(parsing: "a\n\"oops\n", source: "u.csv"))
    }

    /// Read a block at a time (blocks as small as one byte, so quoted line breaks, CRLF and
    /// UTF-8 sequences straddle blocks), a file gives the rows, line numbers and errors of
    /// the whole-file parse.
    func testForEachRowMatchesTheWholeFileParse() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csvstream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func rows(_ text: String, block: Int) throws -> (header: [String], rows: [[String]], lines: [Int]) {
            let url = dir.appendingPathComponent("t.csv")
            try Data(text.utf8).write(to: url)
            var header: [String] = [], rows: [[String]] = [], lines: [Int] = []
            try CSVTable.forEachRow(contentsOf: url, blockSize: block, header: { header = $0 }, row: { rows.append($0); lines.append($1) })
            return (header, rows, lines)
        }
        let text = "a,b\n1,\"x,y\"\r\n\n\"multi\nline\",\"q\"\"q\"\nÉté,µ\n3,"
        let whole = try CSVTable(parsing: text, source: "t.csv")
        for block in [1, 2, 3, 7, 1 << 20] {
            let got = try rows(text, block: block)
            XCTAssertEqual(got.header, whole.header, "block \(block)")
            XCTAssertEqual(got.rows, whole.rows, "block \(block)")
            XCTAssertEqual(got.lines, whole.lineNumbers, "block \(block)")
        }
        XCTAssertThrowsError(try rows("a,b\n1,2\n3\n", block: 2)) {
            XCTAssertTrue("\($0)".hasSuffix("t.csv:3: expected 2 fields as in the header, found 1"), "\($0)")
        }
        XCTAssertThrowsError(try rows("", block: 4)) { XCTAssertTrue("\($0)".hasSuffix("t.csv:1: empty file, expected a header row"), "\($0)") }
        XCTAssertThrowsError(try rows("a\n\"oops\n", block: 2))
        let url = dir.appendingPathComponent("bad.csv")
        try Data([0x61, 0x0A, 0xFF, 0x0A]).write(to: url)
        XCTAssertThrowsError(try CSVTable.forEachRow(contentsOf: url, header: { _ in }, row: { _, _ in })) {
            XCTAssertTrue("\($0)".hasSuffix("bad.csv: not UTF-8 text"), "\($0)")
        }
    }
}
