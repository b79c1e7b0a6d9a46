import Foundation

extension ScreenLayout {
    /// The layout of the real BBBC021 MoA subset: every site of `BBBC021_v1_image.csv`
    /// whose (compound, concentration) is annotated in `BBBC021_v1_moa.csv` (read with
    /// `BBBC021Import`, so plate names, batches, wells, site numbers, compounds,
    /// concentrations and MoAs are exactly the importer's).
    ///
    /// `plates` keeps a subset of plates chosen greedily to cover as many compounds of
    /// as many MoAs as possible (so even 3 plates give several MoAs with two compounds);
    /// they are listed in table order. `sites` keeps the first sites of each well.
    public static func bbbc021(imageTable: URL, moaTable: URL, plates: Int? = nil, sites: Int? = nil,
                               seed: UInt64) throws -> ScreenLayout {
        let importer = try BBBC021Import(imageCSV: imageTable, moaCSV: moaTable)
        let base = imageTable.deletingLastPathComponent()
        let rows = try importer.manifest(imagesDirectory: base, manifestDirectory: base, annotatedOnly: true).rows

        struct Entry { var treatment: Treatment; var sites: [Int]; var line: Int }
        var plateOrder: [String] = []
        var batchOf: [String: String] = [:]
        var wellsByPlate: [String: [WellPosition: Entry]] = [:]
        for row in rows {
            if wellsByPlate[row.plate] == nil { plateOrder.append(row.plate); wellsByPlate[row.plate] = [:]; batchOf[row.plate] = row.batch }
            let treatment = row.treatment
            var entry = wellsByPlate[row.plate]![row.well] ?? Entry(treatment: treatment, sites: [], line: row.line)
            guard entry.treatment == treatment else {
                throw CSVError(source: imageTable.path, line: row.line,
                               message: "well \(row.plate)/\(row.well) holds \(entry.treatment) on line \(entry.line), here \(treatment)")
            }
            entry.sites.append(row.site)
            wellsByPlate[row.plate]![row.well] = entry
        }
        guard !plateOrder.isEmpty else {
            throw CSVError(source: imageTable.path, line: 1,
                           message: "no site has a (compound, concentration) listed in \(moaTable.path)")
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
            let batch = batchOf[plate]!
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
}
