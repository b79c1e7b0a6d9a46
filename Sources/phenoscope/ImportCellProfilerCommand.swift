import ArgumentParser
import Foundation
import Screen

/// `phenoscope import cellprofiler`: CellProfiler's ExportToSpreadsheet tables (the per-image
/// table and one per object) -> one single-cell CSV that `profile` aggregates and normalizes,
/// NaN kept and bookkeeping columns (ImageNumber, ObjectNumber, Parent_*, Location_*) as
/// `Metadata_` columns.
struct ImportCellProfilerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cellprofiler",
        abstract: "Join CellProfiler per-image and per-object CSV tables into one single-cell table for profile."
    )

    @Option(help: "The per-image table (ImageNumber, Metadata_Plate, Metadata_Well, ...), e.g. Image.csv.")
    var image: String
    @Option(name: .customLong("object"), help: "COMPARTMENT=TABLE.csv, repeated (e.g. --object Cells=Cells.csv --object Cytoplasm=Cytoplasm.csv --object Nuclei=Nuclei.csv); the first gives one row per object.")
    var objects: [String] = []
    @Option(help: "Single-cell CSV to write.")
    var out: String
    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        let tables = try objects.map { item -> (name: String, table: CSVTable) in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--object '\(item)': expected COMPARTMENT=TABLE.csv, e.g. Cells=Cells.csv")
            }
            return (parts[0], try CSVTable(contentsOf: URL(fileURLWithPath: parts[1])))
        }
        let cells = try CellProfilerImport.singleCells(image: try CSVTable(contentsOf: URL(fileURLWithPath: image)), objects: tables)
        try cells.write(to: URL(fileURLWithPath: out))
        Log.info("wrote \(out): \(cells.rows.count) objects, \(cells.header.filter { !$0.hasPrefix("Metadata_") }.count) features", quiet: quiet)
    }
}
