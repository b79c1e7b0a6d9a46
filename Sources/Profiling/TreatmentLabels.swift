import Foundation

/// The labels evaluation reads from each row of a profile table.
///
/// - Treatment key = (`Metadata_Compound`, `Metadata_Concentration`), compared as strings.
/// - DMSO = `Metadata_Compound` equal to `DMSO` in any case; DMSO rows are never queries
///   or candidates for NSC, NSCB or MoA mAP (they are the negatives of replicate mAP).
/// - MoA = `Metadata_MoA`; a row with an empty MoA (after trimming spaces) is neither a
///   query nor a candidate for NSC, NSCB or MoA mAP.
/// - Batches = `Metadata_Batch` split on `;` (aggregation writes the sorted set of its
///   wells' batches that way); NSCB excludes candidates sharing ANY batch with the query,
///   following the BBBC021 protocol (Ando et al. 2017) when a treatment's wells span
///   several batches. Without a `Metadata_Batch` column NSCB is not computed.
public struct TreatmentLabels: Sendable {
    public var compound: [String]
    public var concentration: [String]
    public var moa: [String]
    public var batches: [Set<String>]?
    public var isDMSO: [Bool]

    public static let compoundColumn = "Metadata_Compound"
    public static let concentrationColumn = "Metadata_Concentration"
    public static let moaColumn = "Metadata_MoA"
    public static let batchColumn = "Metadata_Batch"

    public init(_ table: ProfileTable, requireMoA: Bool = true) throws {
        compound = try table.metadataValues(Self.compoundColumn)
        concentration = try table.metadataValues(Self.concentrationColumn)
        if requireMoA {
            moa = try table.metadataValues(Self.moaColumn).map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            moa = (try? table.metadataValues(Self.moaColumn))?.map { $0.trimmingCharacters(in: .whitespaces) }
                ?? Array(repeating: "", count: table.rowCount)
        }
        if table.columnIndex(Self.batchColumn) != nil {
            batches = try table.metadataValues(Self.batchColumn).map { Self.batchSet($0) }
        } else {
            batches = nil
        }
        isDMSO = compound.map { Self.isDMSO($0) }
    }

    public var count: Int { compound.count }

    public static func isDMSO(_ compound: String) -> Bool {
        compound.trimmingCharacters(in: .whitespaces).lowercased() == "dmso"
    }

    static func batchSet(_ field: String) -> Set<String> {
        Set(field.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Rows that take part in MoA evaluation: not DMSO and with a MoA.
    public var moaRows: [Int] {
        (0..<count).filter { !isDMSO[$0] && !moa[$0].isEmpty }
    }

    /// The treatment key of `row`, as one string for display.
    public func treatment(_ row: Int) -> String { "\(compound[row])@\(concentration[row])" }
}
