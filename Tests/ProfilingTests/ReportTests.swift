import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Screen
import XCTest
@testable import Profiling

/// Parses `text` as XML; returns the parser error, or nil when it is well-formed.
/// Also counts elements by name.
final class XMLCheck: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var ids: [String] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
        if let id = attributes["id"] { ids.append(id) }
    }

    static func parse(_ text: String) -> (error: Error?, check: XMLCheck) {
        let check = XMLCheck()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = check
        let ok = parser.parse()
        return (ok ? nil : parser.parserError ?? NSError(domain: "xml", code: 1), check)
    }
}

final class EvaluationReportTests: XCTestCase {
    func options(umap: Bool = false) -> ProfileEvaluation.Options {
        var o = ProfileEvaluation.Options()
        o.nullSize = 50
        o.forestTrees = 3
        o.linearProbe = false
        return o
    }

    func testReportHasEveryTreatmentAndEscapesNames() throws {
        let csv = """
        Metadata_Compound,Metadata_Concentration,Metadata_MoA,f1,f2,f3
        a<b>,1,m&1,1,0,0.1
        b,1,m&1,1,0.2,0
        c,1,m2,0,1,0.3
        d,1,m2,0.1,1,0
        """
        let e = try ProfileEvaluation(ProfileTable(csv: CSVTable(parsing: csv)), options: options())
        let html = try EvaluationReport.html(e, title: "t <1>")
        XCTAssertTrue(html.contains("<title>t &lt;1&gt;</title>"))
        XCTAssertFalse(html.contains("a<b>"))
        XCTAssertTrue(html.contains("a&lt;b&gt;@1"))
        // Four treatments: a PCA map (under 20 rows) with one circle each.
        XCTAssertTrue(html.contains("PCA of treatment profiles"))
        XCTAssertEqual(html.components(separatedBy: "</circle>").count - 1, 4)
        XCTAssertTrue(html.contains("<th class=\"l\">NSC</th><td>1.000  95 % CI [1.000, 1.000]</td>"), "NSC with its interval")
        XCTAssertTrue(html.contains("Outliers"))
        XCTAssertTrue(html.hasSuffix("</body></html>\n"))
        XCTAssertNil(XMLCheck.parse(String(html.dropFirst("<!DOCTYPE html>\n".count))).error)
    }

    /// The page and every figure parse as XML (so every element is closed), the page has
    /// every section, and nothing refers to the network.
    func testReportIsWellFormedSelfContainedAndComplete() throws {
        let wells = try Fixtures.table("wells.csv")
        let e = try ProfileEvaluation(wells, options: options())
        var o = EvaluationReport.Options()
        o.umap = false
        o.qc = try QCSummary(CSVTable(parsing: """
        Metadata_Plate,Metadata_Well,Metadata_Site,Defect
        B1_P1,A1,1,
        B1_P1,A1,2,blur
        B1_P1,A2,1,debris
        B2_P1,A1,1,blur
        """))
        let dir = try temporaryDirectory(self)
        let report = try EvaluationReport(e, options: o)
        try report.write(to: dir)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n"))
        let (error, check) = XMLCheck.parse(String(html.dropFirst("<!DOCTYPE html>\n".count)))
        XCTAssertNil(error, "report.html is not well-formed: \(String(describing: error))")
        XCTAssertEqual(Set(report.figures.map(\.name)), ["map_treatments", "map_wells", "correlation", "per_moa", "confusion", "qc"])
        for id in report.figures.map(\.name) + ["neighbours", "outliers"] {
            XCTAssertTrue(check.ids.contains(id), "section \(id) missing")
        }
        XCTAssertEqual(check.counts["svg"], report.figures.count)
        XCTAssertNil(html.range(of: "http://"), "report.html refers to a URL")
        XCTAssertNil(html.range(of: "https://"))
        XCTAssertNil(html.range(of: "<script"))
        for f in report.figures {
            let svg = try String(contentsOf: dir.appendingPathComponent("figures/\(f.name).svg"), encoding: .utf8)
            let (svgError, svgCheck) = XMLCheck.parse(svg)
            XCTAssertNil(svgError, "\(f.name).svg: \(String(describing: svgError))")
            XCTAssertEqual(svgCheck.counts["svg"], 1)
            // The namespace declaration is the one URL-shaped text allowed, and it is not fetched.
            let stripped = svg.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
            XCTAssertNil(stripped.range(of: "http"), f.name)
        }
        // Well map: every well once in each of the three panels (MoA, plate, batch).
        let wellMap = report.figures.first { $0.name == "map_wells" }!.svg
        // (points are `<circle ...><title>..</title></circle>`, legend dots are empty elements)
        XCTAssertEqual(wellMap.components(separatedBy: "</circle>").count - 1, 3 * wells.rowCount)
        // Neighbours: one row per NSC query, five neighbours each.
        XCTAssertEqual(html.components(separatedBy: "<td class=\"l hit\">").count + html.components(separatedBy: "<td class=\"l miss\">").count - 2,
                       5 * e.nsc.queryCount)
        // QC table: plate B1_P1 has 3 sites, 2 flagged, 1 blur, 1 debris.
        XCTAssertTrue(html.contains("<td class=\"l\">B1_P1</td><td>3</td><td>2</td><td>1</td><td>1</td>"))
    }

    func testUMAPMapOfTreatments() throws {
        let t = try Fixtures.table("treatments.csv")
        let e = try ProfileEvaluation(t, options: options())
        let report = try EvaluationReport(e)
        let map = try XCTUnwrap(report.figures.first { $0.name == "map_treatments" })
        XCTAssertTrue(map.heading.hasPrefix("UMAP"))
        XCTAssertNil(XMLCheck.parse(map.svg).error)
        let again = try EvaluationReport(e).figures.first { $0.name == "map_treatments" }!
        XCTAssertEqual(map.svg, again.svg, "same seed, same map")
    }

    func testLargeHeatmapIsOneEmbeddedImageAndGroupsAreLabelled() throws {
        let n = 120
        let groups = (0..<n).map { "moa\($0 / 40)" }
        let colors = (0..<n).map { i in (0..<n).map { j in ColorPalette.diverging(groups[i] == groups[j] ? 0.9 : -0.2) } }
        var h = MatrixHeatmap(rowLabels: (0..<n).map { "t\($0)" }, columnLabels: (0..<n).map { "t\($0)" }, colors: colors)
        h.rowGroups = groups
        h.columnGroups = groups
        let svg = h.svg(standalone: true)
        XCTAssertNil(XMLCheck.parse(svg).error)
        XCTAssertEqual(svg.components(separatedBy: "data:image/png;base64,").count, 2)
        XCTAssertEqual(svg.components(separatedBy: "<rect x").count - 1, 1 + 2 * 3, "outline and 3 group bands per axis, no cells")
        for g in ["moa0", "moa1", "moa2"] { XCTAssertTrue(svg.contains(">\(g)</text>")) }
        // The raster is a valid PNG of one pixel per cell.
        let b64 = svg.components(separatedBy: "base64,")[1].prefix { $0 != "\"" }
        let png = try XCTUnwrap(Data(base64Encoded: String(b64)))
        XCTAssertEqual(Array(png.prefix(8)), [137, 80, 78, 71, 13, 10, 26, 10])
        XCTAssertEqual(png[16..<24].map { $0 }, [0, 0, 0, UInt8(n), 0, 0, 0, UInt8(n)])
    }

    func testPaletteAndDivergingScale() {
        let p = ColorPalette(["b", "DMSO", "a", "", "b", "p10", "p2"])
        XCTAssertEqual(p.categories, ["a", "b", "p2", "p10", "", "DMSO"])
        XCTAssertEqual(p.color("a"), "#1f77b4")
        XCTAssertEqual(p.color("b"), "#ff7f0e")
        XCTAssertEqual(p.color("dmso"), ColorPalette.neutral)
        let many = ColorPalette((0..<60).map { "p\($0)" })
        XCTAssertEqual(Set((0..<60).map { many.color("p\($0)") }).count, 60)
        XCTAssertTrue(ColorPalette.diverging(0) == (255, 255, 255))
        XCTAssertTrue(ColorPalette.diverging(1) == (103, 0, 31))
        XCTAssertTrue(ColorPalette.diverging(-1) == (5, 48, 97))
        XCTAssertTrue(ColorPalette.diverging(.nan) == (255, 255, 255))
    }

    func testQCSummaryCountsAndErrors() throws {
        let qc = try QCSummary(CSVTable(parsing: """
        Metadata_Plate,Metadata_Well,Metadata_Site,Defect
        P2,A1,1,saturated
        P1,A1,1,
        P1,A1,2,blur
        P2,A1,2, blur
        """))
        XCTAssertEqual(qc.plates.map(\.plate), ["P2", "P1"])
        XCTAssertEqual(qc.kinds, ["blur", "saturated"])
        XCTAssertEqual(qc.plates[0].flagged, ["saturated": 1, "blur": 1])
        XCTAssertEqual(qc.plates[1].sites, 2)
        XCTAssertEqual(qc.flaggedCount, 3)
        XCTAssertThrowsError(try QCSummary(CSVTable(parsing: "Metadata_Plate,Metadata_Well\nP,A1\n", source: "qc.csv"))) {
            XCTAssertEqual("\($0)", "qc.csv:1: missing column 'Defect'")
        }
    }
}
