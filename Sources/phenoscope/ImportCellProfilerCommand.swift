import ArgumentParser
import Foundation
import Screen

/// `phenoscope import cellprofiler`: CellProfiler's measurements (the ExportToSpreadsheet
/// CSVs, or the SQLite of ExportToDatabase, streamed) -> one single-cell CSV that `profile`
/// aggregates and normalizes, NaN kept and bookkeeping columns (ImageNumber, ObjectNumber,
/// Parent_*, Location_*) as `Metadata_` columns. The output is written atomically: on an
/// error, which names the table, row and column, nothing is left under `--out`.
struct ImportCellProfilerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cellprofiler",
        abstract: "Join CellProfiler per-image and per-object tables (CSV or ExportToDatabase SQLite) into one single-cell table for profile."
    )

    @Option(help: "The per-image CSV table (ImageNumber, Metadata_Plate, Metadata_Well, ...), e.g. Image.csv.")
    var image: String?
    @Option(help: "ExportToDatabase SQLite file (Per_Image, Per_Cells, ... tables) instead of --image and CSV tables.")
    var sqlite: String?
    @Option(name: .customLong("object"), help: "COMPARTMENT=TABLE.csv, repeated (e.g. --object Cells=Cells.csv --object Cytoplasm=Cytoplasm.csv --object Nuclei=Nuclei.csv); the first gives one row per object. With --sqlite: COMPARTMENT names (default: every Per_<Object> table, Cells first).")
    var objects: [String] = []
    @Option(help: "Single-cell CSV to write.")
    var out: String
    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        let source: any CellProfilerSource
        switch (image, sqlite) {
        case (let image?, nil):
            let tables = try objects.map { item -> (name: String, table: CSVTable) in
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("--object '\(item)': expected COMPARTMENT=TABLE.csv, e.g. Cells=Cells.csv")
                }
                return (parts[0], try CSVTable(contentsOf: URL(fileURLWithPath: parts[1])))
            }
            source = try CellProfilerCSVSource(image: try CSVTable(contentsOf: URL(fileURLWithPath: image)), objects: tables)
        case (nil, let sqlite?):
            if let bad = objects.first(where: { $0.contains("=") }) {
                throw ValidationError("--object '\(bad)': with --sqlite give compartment names only, e.g. --object Cells")
            }
            source = try CellProfilerSQLiteSource(url: URL(fileURLWithPath: sqlite), compartments: objects)
        default:
            throw ValidationError("give either --image with --object COMPARTMENT=TABLE.csv, or --sqlite FILE")
        }
        let progress = ProgressLine("images", total: source.imageCount, quiet: quiet)
        let summary = try CellProfilerImport.write(source, to: URL(fileURLWithPath: out), progress: progress)
        Log.info("wrote \(out): \(summary.objects) objects of \(summary.images) images, \(summary.features) features", quiet: quiet)
    }
}
