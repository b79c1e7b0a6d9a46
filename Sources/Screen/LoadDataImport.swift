import Foundation

/// A CellProfiler LoadData CSV read as a manifest: `FileName_<Channel>` (with `PathName_<Channel>`,
/// and `Frame_<Channel>` for a page of a multi-page file) per channel, and `Metadata_` columns.
///
/// `Metadata_Plate` and `Metadata_Well` are required; the site is `Metadata_Site` (or
/// `Metadata_Field`, default 1); the batch `Metadata_Batch` (default: the plate). Treatments come
/// from a plate map when one is given (pycytominer's platemap convention, joined by well), else
/// from the CSV's own `Metadata_Compound` / `Metadata_pert_iname` / `Metadata_broad_sample`,
/// `Metadata_Concentration` / `Metadata_mmoles_per_liter` and `Metadata_MoA` columns, else are
/// left empty (concentration 0). Channel names are kept as CellProfiler has them (`OrigDNA`).
public enum LoadDataImport {
    /// Whether `table` looks like a LoadData CSV rather than a Phenoscope manifest.
    public static func recognizes(_ table: CSVTable) -> Bool {
        !table.header.contains { $0.hasPrefix("Image_") } && table.header.contains { $0.hasPrefix("FileName_") }
    }

    /// The manifest of `table` (read from a file in `csvDirectory`), its image references
    /// relative to `manifestDirectory` where `PathName_` is relative; throws a `CSVError`
    /// naming the line and column of the first problem.
    public static func manifest(table t: CSVTable, csvDirectory: URL, manifestDirectory: URL,
                                plateMap: PlateMap? = nil) throws -> Manifest {
        let channels = t.header.filter { $0.hasPrefix("FileName_") }.map { String($0.dropFirst("FileName_".count)) }
        for ch in channels where !Manifest.isChannelName(ch) {
            throw CSVError(source: t.source, line: 1, message: "FileName_\(ch): channel name '\(ch)' must be letters, digits and _")
        }
        let plateCol = try t.requireColumn("Metadata_Plate"), wellCol = try t.requireColumn("Metadata_Well")
        let siteCol = t.column("Metadata_Site") ?? t.column("Metadata_Field"), batchCol = t.column("Metadata_Batch")
        let treatments = PlateMap.TreatmentColumns(t)
        let cols = channels.map { (file: t.column("FileName_\($0)")!, path: t.column("PathName_\($0)"), frame: t.column("Frame_\($0)")) }
        var rows: [ManifestRow] = []
        rows.reserveCapacity(t.rows.count)
        for (r, f) in t.rows.enumerated() {
            let line = t.lineNumbers[r]
            func fail(_ column: Int, _ what: String) -> CSVError { CSVError(source: t.source, line: line, message: "\(t.header[column]): \(what)") }
            let plate = f[plateCol].trimmingCharacters(in: .whitespaces)
            guard !plate.isEmpty else { throw fail(plateCol, "empty, expected a plate name") }
            guard let well = WellPosition(f[wellCol].trimmingCharacters(in: .whitespaces)) else {
                throw fail(wellCol, "'\(f[wellCol])' is not a well name like B03")
            }
            var site = 1
            if let c = siteCol {
                guard let s = Int(f[c].trimmingCharacters(in: .whitespaces)), s >= 0 else { throw fail(c, "'\(f[c])' is not a non-negative integer") }
                site = s
            }
            let treatment: PlateMap.Entry
            if let plateMap {
                guard let e = plateMap.entry(plate: plate, well: well) else {
                    throw CSVError(source: plateMap.source, line: 0, message: "no row for well \(well)\(plateMap.hasPlates ? " of plate \(plate)" : "") (named on line \(line) of \(t.source))")
                }
                treatment = e
            } else {
                treatment = try treatments.entry(f, table: t, line: line)
            }
            var images: [String: String] = [:]
            for (ch, c) in zip(channels, cols) {
                let file = f[c.file]
                guard !file.isEmpty else { continue }
                let dir = c.path.map { f[$0] } ?? ""
                guard !dir.contains("://") else {
                    throw fail(c.path!, "'\(dir)' is a URL; download the images and give their folder")
                }
                var reference: String
                if dir.hasPrefix("/") {
                    reference = URL(fileURLWithPath: dir).appendingPathComponent(file).path
                } else {
                    let folder = dir.isEmpty ? csvDirectory : csvDirectory.appendingPathComponent(dir)
                    reference = RelativePath.from(manifestDirectory, to: folder) + file
                }
                if let fc = c.frame, !f[fc].isEmpty {
                    guard let frame = Int(f[fc]), frame >= 0 else { throw fail(fc, "'\(f[fc])' is not a page number (0-based)") }
                    reference += "#\(frame)"
                }
                images[ch] = reference
            }
            rows.append(ManifestRow(plate: plate, well: well, site: site, batch: batchCol.map { f[$0] } ?? plate,
                                    compound: treatment.compound, concentration: treatment.concentration, moa: treatment.moa,
                                    images: images, line: line))
        }
        return Manifest(channels: channels, rows: rows, baseDirectory: manifestDirectory, source: t.source)
    }
}
