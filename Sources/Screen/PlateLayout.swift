import Core

/// A microplate format: 96 (8 x 12) or 384 (16 x 24) wells.
public enum PlateFormat: Int, Sendable, CaseIterable {
    case wells96 = 96
    case wells384 = 384

    public var rows: Int { self == .wells96 ? 8 : 16 }
    public var columns: Int { self == .wells96 ? 12 : 24 }

    /// Every well, row by row.
    public var positions: [WellPosition] {
        (0..<rows).flatMap { r in (1...columns).map { WellPosition(row: r, column: $0) } }
    }
}

extension ScreenLayout {
    /// The standard synthetic screen: `MoAPhenotype.standardNames` (or `moas`), each with
    /// `compoundsPerMoA` compounds at every concentration in `concentrations`; as many
    /// replicates as fit while keeping at least an eighth of the wells for DMSO; DMSO fills
    /// the rest. Well placement is shuffled per plate from `seed`; plates are grouped
    /// `platesPerBatch` to a batch.
    ///
    /// With one batch every compound is on every plate. With several, as in BBBC021, each
    /// compound is imaged in one batch only (compound `c` of MoA `m` in batch
    /// `(m * compoundsPerMoA + c) mod batches`), so every MoA has compounds in different
    /// batches and NSCB (nearest neighbour from another batch) has candidates to find.
    public static func standard(
        plates: Int, format: PlateFormat = .wells96, sitesPerWell: Int = 4,
        compoundsPerMoA: Int = 2, concentrations: [Double] = [0.1, 0.3, 1, 3],
        moas: [String] = MoAPhenotype.standardNames, platesPerBatch: Int = 3, seed: UInt64
    ) -> ScreenLayout {
        precondition(plates >= 1 && sitesPerWell >= 1 && compoundsPerMoA >= 1 && platesPerBatch >= 1)
        let batches = (plates + platesPerBatch - 1) / platesPerBatch
        var treatmentsByBatch = Array(repeating: [Treatment](), count: batches)
        for (m, moa) in moas.enumerated() {
            for c in 1...compoundsPerMoA {
                let name = "SYN-\(abbreviation(moa, index: m))\(c)"
                let home = (m * compoundsPerMoA + c - 1) % batches
                for conc in concentrations {
                    treatmentsByBatch[home].append(Treatment(compound: name, concentration: conc, moa: moa))
                }
            }
        }
        let wellCount = format.rawValue
        let minimumDMSO = wellCount / 8
        let dmso = Treatment(compound: MoAPhenotype.dmsoName, concentration: 0, moa: MoAPhenotype.dmsoName)
        let contentsByBatch = treatmentsByBatch.map { batchTreatments -> [Treatment] in
            var treatments = batchTreatments
            // If the treatments do not all fit, keep as many whole compounds as fit.
            if treatments.count > wellCount - minimumDMSO {
                let perCompound = concentrations.count
                treatments = Array(treatments.prefix((wellCount - minimumDMSO) / perCompound * perCompound))
            }
            let replicates = max(1, (wellCount - minimumDMSO) / max(1, treatments.count))
            var contents = Array(repeating: treatments, count: replicates).flatMap { $0 }
            contents += Array(repeating: dmso, count: wellCount - contents.count)
            return contents
        }
        var plateList: [Plate] = []
        var wells: [Well] = []
        let positions = format.positions
        for p in 0..<plates {
            let batch = "Batch\(p / platesPerBatch + 1)"
            let name = "\(batch)_Plate\(p + 1)"
            plateList.append(Plate(name: name, batch: batch))
            var rng = SeededRandom(seed: seed, stream: [SeededRandom.hash(name), 0x9A7E])
            var shuffled = contentsByBatch[p / platesPerBatch]
            shuffled.shuffle(using: &rng)
            for (position, t) in zip(positions, shuffled) {
                wells.append(Well(plate: name, batch: batch, position: position, treatment: t,
                                  sites: Array(1...sitesPerWell)))
            }
        }
        return ScreenLayout(plates: plateList, wells: wells, seed: seed)
    }

    /// Two or three capitals for a compound code, e.g. "Microtubule stabilizers" -> "MS".
    static func abbreviation(_ moa: String, index: Int) -> String {
        let initials = moa.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).compactMap(\.first).map(String.init)
        let code = initials.joined().uppercased()
        return code.isEmpty ? "M\(index + 1)" : code
    }
}
