import Foundation

extension ScreenLayout {
    /// The layout of the real BBBC021 MoA subset: every site of `BBBC021_v1_image.csv`
    /// whose (compound, concentration) appears in `BBBC021_v1_moa.csv`, with the real
    /// plate names, batches (the `WeekN` prefix of the plate), wells, site numbers,
    /// compounds, concentrations and MoAs.
    ///
    /// `plates` keeps a subset of plates chosen greedily to cover as many compounds of
    /// as many MoAs as possible (so even 3 plates give several MoAs with two compounds);
    /// they are listed in table order. `sites` keeps the first sites of each well.
    public static func bbbc021(imageTable: URL, moaTable: URL, plates: Int? = nil, sites: Int? = nil,
                               seed: UInt64) throws -> ScreenLayout {
        let moaCSV = try CSVTable(contentsOf: moaTable)
        let cCompound = try moaCSV.requireColumn("compound")
        let cConc = try moaCSV.requireColumn("concentration")
        let cMoA = try moaCSV.requireColumn("moa")
        var moaOf: [String: String] = [:]  // key: compound + "\u{1}" + canonical concentration
        for (i, row) in moaCSV.rows.enumerated() {
            let conc = try number(row[cConc], table: moaCSV, row: i, column: "concentration")
            moaOf[key(row[cCompound], conc)] = row[cMoA]
        }

        let image = try CSVTable(contentsOf: imageTable)
        let cPlate = try image.requireColumn("Image_Metadata_Plate_DAPI")
        let cWell = try image.requireColumn("Image_Metadata_Well_DAPI")
        let cImgCompound = try image.requireColumn("Image_Metadata_Compound")
        let cImgConc = try image.requireColumn("Image_Metadata_Concentration")
        let cFile = image.column("Image_FileName_DAPI")

        struct Entry { var treatment: Treatment; var sites: [Int] }
        var plateOrder: [String] = []
        var wellsByPlate: [String: [WellPosition: Entry]] = [:]
        for (i, row) in image.rows.enumerated() {
            let conc = try number(row[cImgConc], table: image, row: i, column: "Image_Metadata_Concentration")
            guard let moa = moaOf[key(row[cImgCompound], conc)] else { continue }
            let plate = row[cPlate]
            guard !plate.isEmpty else {
                throw CSVError(source: image.source, line: image.lineNumbers[i],
                               message: "Image_Metadata_Plate_DAPI is empty, expected a plate name")
            }
            guard let position = WellPosition(row[cWell]) else {
                throw CSVError(source: image.source, line: image.lineNumbers[i],
                               message: "Image_Metadata_Well_DAPI '\(row[cWell])' is not a well name like B03")
            }
            if wellsByPlate[plate] == nil { plateOrder.append(plate); wellsByPlate[plate] = [:] }
            let treatment = Treatment(compound: row[cImgCompound], concentration: conc, moa: moa)
            var entry = wellsByPlate[plate]![position] ?? Entry(treatment: treatment, sites: [])
            guard entry.treatment == treatment else {
                throw CSVError(source: image.source, line: image.lineNumbers[i],
                               message: "well \(plate) \(position) already holds \(entry.treatment.compound) at \(entry.treatment.concentrationText)")
            }
            let site = cFile.flatMap { siteNumber(fileName: row[$0]) } ?? (entry.sites.count + 1)
            entry.sites.append(site)
            wellsByPlate[plate]![position] = entry
        }
        guard !plateOrder.isEmpty else {
            throw CSVError(source: image.source, line: 1, message: "no site has a (compound, concentration) listed in \(moaTable.path)")
        }

        var chosen = plateOrder
        if let n = plates, n < plateOrder.count {
            precondition(n >= 1, "plates must be positive")
            chosen = choosePlates(n, order: plateOrder) { plate in
                Set(wellsByPlate[plate]!.values.map { Pair(moa: $0.treatment.moa, compound: $0.treatment.compound) })
            }
        }
        var plateList: [Plate] = []
        var wells: [Well] = []
        for plate in chosen {
            let batch = String(plate.prefix { $0 != "_" })
            plateList.append(Plate(name: plate, batch: batch))
            for (position, entry) in wellsByPlate[plate]! {
                var s = entry.sites.sorted()
                if let k = sites { s = Array(s.prefix(k)) }
                wells.append(Well(plate: plate, batch: batch, position: position, treatment: entry.treatment, sites: s))
            }
        }
        return ScreenLayout(plates: plateList, wells: wells, seed: seed)
    }

    private struct Pair: Hashable { var moa: String; var compound: String }

    /// Greedy cover: each step takes the plate adding the most compounds of MoAs that
    /// still have fewer than two, then the most new compounds, then the earliest.
    private static func choosePlates(_ n: Int, order: [String], contents: (String) -> Set<Pair>) -> [String] {
        var covered = Set<Pair>()
        var picked = Set<String>()
        for _ in 0..<n {
            var perMoA: [String: Int] = [:]
            for p in covered { perMoA[p.moa, default: 0] += 1 }
            var best: (plate: String, score: (Int, Int))? = nil
            for plate in order where !picked.contains(plate) {
                let new = contents(plate).subtracting(covered)
                let needed = new.filter { perMoA[$0.moa, default: 0] < 2 }.count
                let score = (needed, new.count)
                if best == nil || score > best!.score { best = (plate, score) }
            }
            guard let b = best else { break }
            picked.insert(b.plate)
            covered.formUnion(contents(b.plate))
        }
        return order.filter { picked.contains($0) }
    }

    private static func key(_ compound: String, _ concentration: Double) -> String {
        compound + "\u{1}" + Treatment.format(concentration)
    }

    private static func number(_ text: String, table: CSVTable, row: Int, column: String) throws -> Double {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0 else {
            throw CSVError(source: table.source, line: table.lineNumbers[row],
                           message: "\(column) '\(text)' is not a non-negative number")
        }
        return v
    }

    /// The site number in a BBBC021 file name such as `G10_s3_w1....tif`.
    static func siteNumber(fileName: String) -> Int? {
        guard let r = fileName.range(of: "_s") else { return nil }
        let digits = fileName[r.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }
}
