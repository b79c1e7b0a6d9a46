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
}
