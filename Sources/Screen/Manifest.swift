import Foundation
import Core
import Imaging

/// One site (field of view) of a screen: where it is, what was done to it, and one image
/// path per channel, as a row of DESIGN.md's manifest CSV.
public struct ManifestRow: Hashable, Sendable {
    public var plate: String
    public var well: WellPosition
    public var site: Int
    public var batch: String
    public var compound: String
    /// The concentration as written in the file, kept so output round-trips byte for byte.
    public var concentrationText: String
    public var moa: String
    /// Image reference per channel: a path relative to the manifest's directory (or absolute),
    /// optionally with a page selector, `plate1.tif#2` or `plate1.ome.tif#DNA` (`TIFFPage`), or
    /// an OME-Zarr image with a plane selector, `plate.zarr/A/1/0#DNA` (`OMEZarrPlane`).
    public var images: [String: String]
    /// The 1-based line of the manifest this row came from (0 when built in memory).
    public var line: Int

    public init(plate: String, well: WellPosition, site: Int, batch: String, compound: String,
                concentration: String, moa: String, images: [String: String], line: Int = 0) {
        self.plate = plate; self.well = well; self.site = site; self.batch = batch
        self.compound = compound; self.concentrationText = concentration; self.moa = moa
        self.images = images; self.line = line
    }

    /// The concentration as a number (validated on load).
    public var concentration: Double { Double(concentrationText) ?? .nan }

    /// The treatment this site received.
    public var treatment: Treatment { Treatment(compound: compound, concentration: concentration, moa: moa) }

    /// The key that must be unique across a manifest.
    public var siteKey: SiteKey { SiteKey(plate: plate, well: well, site: site) }
}

/// Identifies one site: plate, well, site number.
public struct SiteKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var plate: String
    public var well: WellPosition
    public var site: Int
    public init(plate: String, well: WellPosition, site: Int) {
        self.plate = plate; self.well = well; self.site = site
    }
    public var description: String { "\(plate)/\(well)/s\(site)" }
    public static func < (a: SiteKey, b: SiteKey) -> Bool {
        (a.plate, a.well.row, a.well.column, a.site) < (b.plate, b.well.row, b.well.column, b.site)
    }
}

/// A screen's manifest: the sites, their treatments and image files (DESIGN.md, Files).
///
/// Loading checks the structure (columns, numbers, well names) and fails on the first
/// malformed row; `validate` then looks across rows and at the file system and returns every
/// problem found, each naming its row, so a person can fix a manifest in one pass.
public struct Manifest: Sendable {
    /// The metadata columns every manifest has, in order.
    public static let metadataColumns = [
        "Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Batch",
        "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA",
    ]
    /// Channel names, from the `Image_<Channel>` columns, in file order.
    public var channels: [String]
    public var rows: [ManifestRow]
    /// The directory image paths are relative to.
    public var baseDirectory: URL
    /// Where the manifest was read from, for messages.
    public var source: String
    /// The most pixels one image file may hold (all its pages together) when the manifest's
    /// images are read or checked: the `--max-pixels` option and `screen.max_pixels` key,
    /// within `PlaneReader.pixelBudgets`, so a forged header costs an error, not memory.
    public var maxPixels = TIFFReader.defaultMaxPixels

    public init(channels: [String], rows: [ManifestRow], baseDirectory: URL, source: String = "<memory>") {
        self.channels = channels; self.rows = rows; self.baseDirectory = baseDirectory; self.source = source
    }

    /// Reads the manifest at `url`; throws a `CSVError` naming the line of the first
    /// structural problem (missing column, non-numeric site or concentration, bad well) or
    /// of the first site listed twice: every verb keys its work by site, so a second row for
    /// the same site would otherwise be silently dropped by one stage and used by another.
    /// A CellProfiler LoadData CSV (`FileName_<Channel>` columns, no `Image_` ones) is read
    /// as one (`LoadDataImport`), with treatments from its own `Metadata_` columns.
    public static func load(_ url: URL) throws -> Manifest {
        let table = try CSVTable(contentsOf: url)
        let dir = url.deletingLastPathComponent()
        let manifest = LoadDataImport.recognizes(table)
            ? try LoadDataImport.manifest(table: table, csvDirectory: dir, manifestDirectory: dir)
            : try Manifest(table: table, baseDirectory: dir)
        var firstLine: [SiteKey: Int] = [:]
        for row in manifest.rows {
            if let first = firstLine.updateValue(row.line, forKey: row.siteKey) {
                throw CSVError(source: manifest.source, line: row.line,
                               message: "Metadata_Site: duplicate site \(row.siteKey), first on line \(first); expected one row per site")
            }
        }
        return manifest
    }

    /// Builds a manifest from a parsed CSV table.
    public init(table: CSVTable, baseDirectory: URL) throws {
        let src = table.source
        let idx = try Manifest.metadataColumns.map { try table.requireColumn($0) }
        let imageColumns = table.header.enumerated().filter { $0.element.hasPrefix("Image_") }
        guard !imageColumns.isEmpty else {
            throw CSVError(source: src, line: 1, message: "no Image_<Channel> columns; expected one per channel, e.g. Image_DNA")
        }
        let channels = imageColumns.map { String($0.element.dropFirst("Image_".count)) }
        var rows: [ManifestRow] = []
        rows.reserveCapacity(table.rows.count)
        for (r, fields) in table.rows.enumerated() {
            let line = table.lineNumbers[r]
            func fail(_ column: String, _ what: String) -> CSVError {
                CSVError(source: src, line: line, message: "\(column): \(what)")
            }
            let plate = fields[idx[0]].trimmingCharacters(in: .whitespaces)
            guard !plate.isEmpty else { throw fail("Metadata_Plate", "empty, expected a plate name") }
            guard let well = WellPosition(fields[idx[1]]) else {
                throw fail("Metadata_Well", "'\(fields[idx[1]])' is not a well name like B03")
            }
            guard let site = Int(fields[idx[2]]), site >= 0 else {
                throw fail("Metadata_Site", "'\(fields[idx[2]])' is not a non-negative integer")
            }
            let conc = fields[idx[5]].trimmingCharacters(in: .whitespaces)
            // Double() also takes hexadecimal (`0x10` is 16), `inf` and `nan`: only decimal
            // digits, a point, a sign and an exponent are a concentration.
            guard conc.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }),
                  let c = Double(conc), c.isFinite, c >= 0 else {
                throw fail("Metadata_Concentration", "'\(conc)' is not a non-negative decimal number")
            }
            var images: [String: String] = [:]
            for (i, (col, _)) in zip(imageColumns.map(\.offset), imageColumns).enumerated() {
                images[channels[i]] = fields[col]
            }
            rows.append(ManifestRow(plate: plate, well: well, site: site, batch: fields[idx[3]],
                                    compound: fields[idx[4]], concentration: conc, moa: fields[idx[6]],
                                    images: images, line: line))
        }
        self.init(channels: channels, rows: rows, baseDirectory: baseDirectory, source: src)
    }

    /// The absolute URL of a row's image for `channel`; a page or plane selector (`#2`, `#DNA`,
    /// `#c=DNA,z=1`) becomes the URL's fragment, which `PlaneReader` honours.
    public func imageURL(_ row: ManifestRow, channel: String) -> URL? {
        guard let reference = row.images[channel], !reference.isEmpty else { return nil }
        let (path, selector) = TIFFPage.split(reference)
        let file = (path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)).standardizedFileURL
        return TIFFPage.url(file, selector: selector)
    }

    /// The manifest as a CSV table with DESIGN.md's column order.
    public func table() -> CSVTable {
        var t = CSVTable(header: Manifest.metadataColumns + channels.map { "Image_\($0)" }, source: source)
        t.rows = rows.map { r in
            [r.plate, r.well.description, String(r.site), r.batch, r.compound, r.concentrationText, r.moa]
                + channels.map { r.images[$0] ?? "" }
        }
        t.lineNumbers = t.rows.indices.map { $0 + 2 }
        return t
    }

    /// Writes the manifest atomically.
    public func write(to url: URL) throws { try table().write(to: url) }

    /// Cross-row and file-system checks; an empty result means the manifest is usable.
    ///
    /// - Parameter plateWells: the plate format (96, 384 or 1536); wells outside it are
    ///   reported as unknown. `nil` accepts any well up to 1536-well size.
    /// - Parameter checkFiles: also report image files that do not exist.
    public func validate(plateWells: Int? = nil, checkFiles: Bool = true) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        if let plateWells, Manifest.plateGeometry(plateWells) == nil {
            issues.append(.init(line: 0, field: "plate_wells",
                                message: "\(plateWells) is not a plate format; expected 6, 24, 96, 384 or 1536"))
        }
        let (maxRows, maxCols) = Manifest.plateGeometry(plateWells ?? 1536) ?? (32, 48)
        var firstLine: [SiteKey: Int] = [:]
        var batchOfPlate: [String: (String, Int)] = [:]
        var wellTreatment: [String: (Treatment, Int)] = [:]
        // Image reference -> its plane's size or its problem, each file opened once.
        var checked: [String: Result<(width: Int, height: Int), ImageProblem>] = [:]
        for row in rows {
            if row.well.row >= maxRows || row.well.column > maxCols {
                issues.append(.init(line: row.line, field: "Metadata_Well",
                                    message: "unknown well \(row.well) for a \(plateWells ?? 1536)-well plate"))
            }
            if let first = firstLine[row.siteKey] {
                issues.append(.init(line: row.line, field: "Metadata_Site",
                                    message: "duplicate site \(row.siteKey), first on line \(first)"))
            } else {
                firstLine[row.siteKey] = row.line
            }
            if let (batch, line) = batchOfPlate[row.plate], batch != row.batch {
                issues.append(.init(line: row.line, field: "Metadata_Batch",
                                    message: "plate \(row.plate) is in batch '\(batch)' on line \(line), here '\(row.batch)'"))
            } else if batchOfPlate[row.plate] == nil {
                batchOfPlate[row.plate] = (row.batch, row.line)
            }
            let wellKey = "\(row.plate)/\(row.well)"
            if let (t, line) = wellTreatment[wellKey], t != row.treatment {
                issues.append(.init(line: row.line, field: "Metadata_Compound",
                                    message: "well \(wellKey) was \(t) on line \(line), here \(row.treatment)"))
            } else if wellTreatment[wellKey] == nil {
                wellTreatment[wellKey] = (row.treatment, row.line)
            }
            let present = channels.filter { !(row.images[$0] ?? "").isEmpty }
            if present.count != channels.count {
                let missing = channels.filter { !present.contains($0) }
                issues.append(.init(line: row.line, field: missing.map { "Image_\($0)" }.joined(separator: ","),
                                    message: "no image for channel(s) \(missing.joined(separator: ", ")); every site needs all \(channels.count) channels"))
            }
            if checkFiles {
                var first: (url: URL, channel: String, size: (width: Int, height: Int))?
                for ch in present {
                    guard let url = imageURL(row, channel: ch) else { continue }
                    let key = url.absoluteString
                    let result = checked[key] ?? imageSize(url)
                    checked[key] = result
                    switch result {
                    case .failure(let problem):
                        issues.append(.init(line: row.line, field: "Image_\(ch)", message: problem.message))
                    case .success(let size):
                        // Every channel of a site must be the first one's size, as the run requires.
                        guard let reference = first else { first = (url, ch, size); continue }
                        do {
                            try Manifest.requireSameSize(size, url, as: reference.size, reference.url, channel: reference.channel)
                        } catch {
                            issues.append(.init(line: row.line, field: "Image_\(ch)", message: "\(error)"))
                        }
                    }
                }
            }
        }
        return issues
    }

    /// What is wrong with one image reference.
    struct ImageProblem: Error { var message: String }

    /// The size of the plane one image reference names (a TIFF page or an OME-Zarr plane,
    /// `PlaneReader`), or what is wrong with it: the file is missing, is not an image, has a
    /// forged or corrupt header, has several pages or channels and no selector, or the
    /// selector names none. Reads headers and metadata only.
    func imageSize(_ url: URL) -> Result<(width: Int, height: Int), ImageProblem> {
        guard FileManager.default.fileExists(atPath: url.path) else { return .failure(ImageProblem(message: "file not found: \(url.path)")) }
        do { return .success(try PlaneReader.check(url, maxPixels: maxPixels)) } catch { return .failure(ImageProblem(message: "\(error)")) }
    }

    /// Whether `name` can follow `Image_` in a column name: ASCII letters, digits and `_`,
    /// so pandas, pycytominer and SQL see one plain identifier.
    public static func isChannelName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Rows x columns of a standard plate format, or nil for an unknown size.
    public static func plateGeometry(_ wells: Int) -> (rows: Int, columns: Int)? {
        switch wells {
        case 6: return (2, 3)
        case 24: return (4, 6)
        case 96: return (8, 12)
        case 384: return (16, 24)
        case 1536: return (32, 48)
        default: return nil
        }
    }

    /// The distinct plates in row order of first appearance.
    public var plates: [String] {
        var seen = Set<String>()
        return rows.compactMap { seen.insert($0.plate).inserted ? $0.plate : nil }
    }
}

/// One validation finding, printed as `file:line: field: message`.
public struct ManifestIssue: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var message: String
    public init(line: Int, field: String, message: String) {
        self.line = line; self.field = field; self.message = message
    }
    public var description: String { "line \(line): \(field): \(message)" }
}
