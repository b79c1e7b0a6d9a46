import Foundation

/// Given cell locations: nucleus centres per site, as DeepProfiler and the SimCLR/DINO
/// cell-painting projects take them instead of masks. Read from a CSV with
/// `Metadata_Plate, Metadata_Well, Metadata_Site` and the centre (pixels, x right, y down) as
/// `Location_X, Location_Y` (Phenoscope's cells.csv), `Nuclei_Location_Center_X,
/// Nuclei_Location_Center_Y` (DeepProfiler's location files, CellProfiler's per-image
/// tables) or `Location_Center_X, Location_Center_Y` (CellProfiler's per-object tables),
/// looked for in that order; any other columns are ignored, so a `cells.csv` written by
/// `segment` or `synth` is a valid locations file. Within a site, cells keep the file's row order.
public struct CellLocations: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    public static let columns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Location_X", "Location_Y"]
    /// The (x, y) column names accepted, in the order they are looked for.
    public static let centreColumns = [("Location_X", "Location_Y"), ("Nuclei_Location_Center_X", "Nuclei_Location_Center_Y"),
                                       ("Location_Center_X", "Location_Center_Y")]
    public var sites: [SiteKey: [Point]]
    public var source: String

    public init(sites: [SiteKey: [Point]] = [:], source: String = "<memory>") {
        self.sites = sites
        self.source = source
    }

    public static func load(_ url: URL) throws -> CellLocations {
        let t = try CSVTable(contentsOf: url)
        var c = try columns.prefix(3).map { try t.requireColumn($0) }
        guard let (xName, yName) = centreColumns.first(where: { t.column($0.0) != nil && t.column($0.1) != nil }) else {
            throw CSVError(source: t.source, line: 1, message: "no cell centre columns; expected "
                           + centreColumns.map { "\($0.0), \($0.1)" }.joined(separator: " or "))
        }
        c += [t.column(xName)!, t.column(yName)!]
        let names = Array(columns.prefix(3)) + [xName, yName]
        var sites: [SiteKey: [Point]] = [:]
        for (r, row) in t.rows.enumerated() {
            func fail(_ i: Int, _ what: String) -> CSVError {
                CSVError(source: t.source, line: t.lineNumbers[r], message: "\(names[i]): '\(row[c[i]])' \(what)")
            }
            guard let well = WellPosition(row[c[1]]) else { throw fail(1, "is not a well name") }
            guard let site = Int(row[c[2]]) else { throw fail(2, "is not an integer") }
            guard let x = Double(row[c[3]]), x.isFinite else { throw fail(3, "is not a finite number") }
            guard let y = Double(row[c[4]]), y.isFinite else { throw fail(4, "is not a finite number") }
            sites[SiteKey(plate: row[c[0]], well: well, site: site), default: []].append(Point(x: x, y: y))
        }
        return CellLocations(sites: sites, source: t.source)
    }
}
