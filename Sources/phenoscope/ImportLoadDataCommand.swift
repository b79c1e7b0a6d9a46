import ArgumentParser
import Foundation
import Screen

/// `phenoscope import loaddata`: a CellProfiler LoadData CSV (FileName_/PathName_ per channel,
/// Metadata_ columns) -> manifest.csv, with treatments joined from `--platemap` when given.
///
/// `manifest check` and `run` also read a LoadData CSV directly; this verb is for joining a
/// plate map and for keeping a manifest that can be edited.
struct ImportLoadDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loaddata",
        abstract: "Write a manifest from a CellProfiler LoadData CSV (and a plate map)."
    )

    @Argument(help: "The LoadData CSV.")
    var csv: String
    @Option(help: "Manifest to write.")
    var out: String
    @Option(help: "Plate map in pycytominer's platemap convention (CSV, or tab-separated .txt/.tsv), joined by well (and plate, if it has a plate column).")
    var platemap: String?
    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        let url = URL(fileURLWithPath: csv)
        let table = try CSVTable(contentsOf: url)
        guard LoadDataImport.recognizes(table) else {
            throw ValidationError("\(csv): no FileName_<Channel> columns; expected a CellProfiler LoadData CSV")
        }
        let manifest = try LoadDataImport.manifest(
            table: table, csvDirectory: url.deletingLastPathComponent(),
            manifestDirectory: URL(fileURLWithPath: out).deletingLastPathComponent(),
            plateMap: try platemap.map { try PlateMap(contentsOf: URL(fileURLWithPath: $0)) })
        try ImportCommand.writeChecked(manifest, to: out, source: csv, checkFiles: true)
        Log.info("wrote \(out): \(manifest.rows.count) sites on \(manifest.plates.count) plate(s), channels \(manifest.channels.joined(separator: ", "))", quiet: quiet)
    }
}
