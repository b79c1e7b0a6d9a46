import Foundation

/// Given cell locations: nucleus centres per site, as DeepProfiler and the SimCLR/DINO
/// cell-painting projects take them instead of masks. Read from a CSV with
/// `Metadata_Plate, Metadata_Well, Metadata_Site, Location_X, Location_Y` (pixels, x right,
/// y down); any other columns are ignored, so a `cells.csv` written by `segment` or `synth`
/// is a valid locations file. Within a site, cells keep the file's row order.
public struct CellLocations: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    public static let columns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Location_X", "Location_Y"]
    public var sites: [SiteKey: [Point]]
    public var source: String

    public init(sites: [SiteKey: [Point]] = [:], source: String = "<memory>") {
        self.sites = sites
        self.source = source
    }

    public static func load(_ url: URL) throws -> CellLocations {
        let t = try CSVTable(contentsOf: url)
        let c = try columns.map { try t.requireColumn($0) }
        var sites: [SiteKey: [Point]] = [:]
        for (r, row) in t.rows.enumerated() {
            func fail(_ field: String, _ what: String) -> CSVError {
                CSVError(source: t.source, line: t.lineNumbers[r], message: "\(field): '\(row[c[columns.firstIndex(of: field)!]])' \(what)")
            }
            guard let well = WellPosition(row[c[1]]) else { throw fail("Metadata_Well", "is not a well name") }
            guard let site = Int(row[c[2]]) else { throw fail("Metadata_Site", "is not an integer") }
            guard let x = Double(row[c[3]]), x.isFinite else { throw fail("Location_X", "is not a finite number") }
            guard let y = Double(row[c[4]]), y.isFinite else { throw fail("Location_Y", "is not a finite number") }
            sites[SiteKey(plate: row[c[0]], well: well, site: site), default: []].append(Point(x: x, y: y))
        }
        return CellLocations(sites: sites, source: t.source)
    }
}
