import Foundation

/// The label masks of a screen, as listed in a `masks.csv` (DESIGN.md, Masks): one row per
/// site with the nuclei and cells label images, paths relative to the CSV.
///
/// Segmentation writes one; a synthetic screen's ground truth is one too, so later stages
/// take masks from either the same way.
public struct MaskIndex: Sendable {
    public struct Entry: Sendable, Equatable {
        public var nuclei: URL
        public var cells: URL
    }

    public static let columns = ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Mask_Nuclei", "Mask_Cells"]
    public var entries: [SiteKey: Entry]

    public init(entries: [SiteKey: Entry] = [:]) { self.entries = entries }

    public static func load(_ url: URL) throws -> MaskIndex {
        let t = try CSVTable(contentsOf: url)
        let idx = try columns.map { try t.requireColumn($0) }
        let base = url.deletingLastPathComponent()
        var entries: [SiteKey: Entry] = [:]
        for (r, row) in t.rows.enumerated() {
            guard let well = WellPosition(row[idx[1]]) else {
                throw CSVError(source: t.source, line: t.lineNumbers[r], message: "Metadata_Well: '\(row[idx[1]])' is not a well name")
            }
            guard let site = Int(row[idx[2]]) else {
                throw CSVError(source: t.source, line: t.lineNumbers[r], message: "Metadata_Site: '\(row[idx[2]])' is not an integer")
            }
            func resolve(_ p: String) -> URL {
                (p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p)).standardizedFileURL
            }
            entries[SiteKey(plate: row[idx[0]], well: well, site: site)] = Entry(nuclei: resolve(row[idx[3]]), cells: resolve(row[idx[4]]))
        }
        return MaskIndex(entries: entries)
    }

    /// Writes `masks.csv` at `url` with paths relative to it.
    public func write(to url: URL) throws {
        let base = url.deletingLastPathComponent()
        var t = CSVTable(header: MaskIndex.columns, source: url.path)
        for key in entries.keys.sorted() {
            let e = entries[key]!
            func rel(_ u: URL) -> String {
                let prefix = RelativePath.from(base, to: u.deletingLastPathComponent())
                return prefix + u.lastPathComponent
            }
            t.rows.append([key.plate, key.well.description, String(key.site), rel(e.nuclei), rel(e.cells)])
        }
        t.lineNumbers = t.rows.indices.map { $0 + 2 }
        try t.write(to: url)
    }
}
