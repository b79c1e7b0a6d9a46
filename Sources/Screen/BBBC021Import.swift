import Foundation

/// Converts the public BBBC021 metadata tables (Caie et al. 2010; Ljosa et al. 2012) into a
/// Phenoscope manifest.
///
/// `BBBC021_v1_image.csv` has one row per site with a file name and folder per channel
/// (DAPI, Tubulin, Actin), the plate, well, compound and concentration; `BBBC021_v1_moa.csv`
/// annotates 103 compound-concentrations plus DMSO with an MoA. The site number is read from
/// the file name (`..._s3_w1...`), the batch is the week prefix of the plate name
/// (`Week4_27481` -> `Week4`), and the MoA is joined on compound and numeric concentration.
public struct BBBC021Import: Sendable {
    /// BBBC021 channel column suffix -> Phenoscope channel name.
    public static let channels: [(source: String, name: String)] = [
        ("DAPI", "DNA"), ("Tubulin", "Tubulin"), ("Actin", "Actin"),
    ]

    public var imageTable: CSVTable
    public var moaTable: CSVTable

    public init(imageTable: CSVTable, moaTable: CSVTable) {
        self.imageTable = imageTable; self.moaTable = moaTable
    }

    public init(imageCSV: URL, moaCSV: URL) throws {
        try self.init(imageTable: CSVTable(contentsOf: imageCSV), moaTable: CSVTable(contentsOf: moaCSV))
    }

    /// The MoA annotation keyed by treatment.
    public func moaByTreatment() throws -> [Treatment: String] {
        let t = moaTable
        let (c, k, m) = try (t.requireColumn("compound"), t.requireColumn("concentration"), t.requireColumn("moa"))
        var out: [Treatment: String] = [:]
        for (i, row) in t.rows.enumerated() {
            guard let conc = Double(row[k]) else {
                throw CSVError(source: t.source, line: t.lineNumbers[i], message: "concentration: '\(row[k])' is not a number")
            }
            out[Treatment(compound: row[c], concentration: conc)] = row[m]
        }
        return out
    }

    /// Builds the manifest.
    /// - Parameters:
    ///   - imagesDirectory: the folder holding BBBC021's `Week*/` image folders.
    ///   - manifestDirectory: where the manifest will be written; image paths are made
    ///     relative to it.
    ///   - annotatedOnly: keep only sites whose treatment has an MoA (the MoA subset).
    public func manifest(imagesDirectory: URL, manifestDirectory: URL, annotatedOnly: Bool = false) throws -> Manifest {
        let t = imageTable
        let moa = try moaByTreatment()
        let plateCol = try t.requireColumn("Image_Metadata_Plate_DAPI")
        let wellCol = try t.requireColumn("Image_Metadata_Well_DAPI")
        let compoundCol = try t.requireColumn("Image_Metadata_Compound")
        let concCol = try t.requireColumn("Image_Metadata_Concentration")
        let fileCols = try BBBC021Import.channels.map {
            (name: $0.name, file: try t.requireColumn("Image_FileName_\($0.source)"),
             path: try t.requireColumn("Image_PathName_\($0.source)"))
        }
        let prefix = RelativePath.from(manifestDirectory, to: imagesDirectory)
        var rows: [ManifestRow] = []
        rows.reserveCapacity(t.rows.count)
        for (i, f) in t.rows.enumerated() {
            let line = t.lineNumbers[i]
            func fail(_ field: String, _ what: String) -> CSVError {
                CSVError(source: t.source, line: line, message: "\(field): \(what)")
            }
            guard let well = WellPosition(f[wellCol]) else {
                throw fail("Image_Metadata_Well_DAPI", "'\(f[wellCol])' is not a well name")
            }
            guard let conc = Double(f[concCol]) else {
                throw fail("Image_Metadata_Concentration", "'\(f[concCol])' is not a number")
            }
            let dapiFile = f[fileCols[0].file]
            guard let site = BBBC021Import.siteNumber(fileName: dapiFile) else {
                throw fail("Image_FileName_DAPI", "'\(dapiFile)' has no _s<N>_ site number")
            }
            let plate = f[plateCol]
            let batch = plate.split(separator: "_").first.map(String.init) ?? plate
            let treatment = Treatment(compound: f[compoundCol], concentration: conc)
            let moaName = moa[treatment] ?? ""
            if annotatedOnly && moaName.isEmpty { continue }
            var images: [String: String] = [:]
            for c in fileCols {
                images[c.name] = prefix + f[c.path] + "/" + f[c.file]
            }
            rows.append(ManifestRow(plate: plate, well: well, site: site, batch: batch,
                                    compound: f[compoundCol], concentration: f[concCol], moa: moaName,
                                    images: images, line: line))
        }
        return Manifest(channels: BBBC021Import.channels.map(\.name), rows: rows,
                        baseDirectory: manifestDirectory, source: t.source)
    }

    /// The site number in a BBBC021 file name such as `G10_s3_w1....tif`.
    public static func siteNumber(fileName: String) -> Int? {
        let parts = fileName.split(separator: "_")
        for p in parts where p.count >= 2 && p.first == "s" {
            if let n = Int(p.dropFirst()) { return n }
        }
        return nil
    }
}
