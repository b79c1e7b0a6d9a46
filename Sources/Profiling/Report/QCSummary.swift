import Foundation
import Screen

/// Sites flagged by quality control, counted per plate and kind of defect, from the
/// `qc.csv` that `phenoscope qc` and the main job write (`Metadata_Plate, Metadata_Well,
/// Metadata_Site, Defect, ...`; an empty Defect is a site that passed).
public struct QCSummary: Sendable, Equatable {
    public struct Plate: Sendable, Equatable {
        public var plate: String
        public var sites: Int
        /// Flagged sites by defect kind.
        public var flagged: [String: Int]
        public var flaggedTotal: Int { flagged.values.reduce(0, +) }
    }

    /// Plates in the order they first appear in the file.
    public let plates: [Plate]
    /// Every defect kind seen, sorted.
    public let kinds: [String]

    public init(_ table: CSVTable) throws {
        let plateColumn = try table.requireColumn("Metadata_Plate")
        let defectColumn = try table.requireColumn("Defect")
        var order: [String] = []
        var byPlate: [String: Plate] = [:]
        var kinds = Set<String>()
        for row in table.rows {
            let p = row[plateColumn], defect = row[defectColumn].trimmingCharacters(in: .whitespaces)
            if byPlate[p] == nil { order.append(p); byPlate[p] = Plate(plate: p, sites: 0, flagged: [:]) }
            byPlate[p]!.sites += 1
            if !defect.isEmpty {
                byPlate[p]!.flagged[defect, default: 0] += 1
                kinds.insert(defect)
            }
        }
        plates = order.map { byPlate[$0]! }
        self.kinds = kinds.sorted()
    }

    public init(contentsOf url: URL) throws {
        try self.init(CSVTable(contentsOf: url))
    }

    public var siteCount: Int { plates.reduce(0) { $0 + $1.sites } }
    public var flaggedCount: Int { plates.reduce(0) { $0 + $1.flaggedTotal } }

    /// Stacked bars: per plate, the share of its sites flagged, split by kind.
    public func chart() -> BarChart {
        let palette = ColorPalette(kinds)
        var chart = BarChart(rows: plates.map(\.plate), series: kinds.map { k in
            BarChart.Series(name: k, color: palette.color(k),
                            values: plates.map { Double($0.flagged[k] ?? 0) / Double(max(1, $0.sites)) })
        }, maxValue: max(0.05, plates.map { Double($0.flaggedTotal) / Double(max(1, $0.sites)) }.max() ?? 0))
        chart.stacked = true
        chart.axisTitle = "share of the plate's sites flagged"
        chart.valueFormat = { String(format: "%.0f%%", 100 * $0) }
        return chart
    }
}
