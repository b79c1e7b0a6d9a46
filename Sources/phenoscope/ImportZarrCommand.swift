import ArgumentParser
import Foundation
import Screen

/// `phenoscope import zarr`: an OME-Zarr HCS plate (NGFF 0.4 or 0.5, `plate.zarr/ROW/COLUMN/FIELD`)
/// -> manifest.csv, one row per well and field, one column per omero channel, each cell a
/// channel reference such as `plate.zarr/A/1/0#DNA`.
///
/// Channels keep their omero labels unless `--channels Hoechst=DNA,...` renames them (then
/// only the listed ones are kept); treatments come from `--platemap` (pycytominer platemap
/// convention, joined by well) or are left empty. Every reference is checked against the
/// store's metadata before anything is written.
struct ImportZarrCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zarr",
        abstract: "Write a manifest from an OME-Zarr HCS plate (NGFF 0.4 in zarr v2, or NGFF 0.5 in zarr v3)."
    )

    @Argument(help: "The plate folder (PLATE.zarr, holding .zattrs or zarr.json with the 'plate' attributes).")
    var store: String
    @Option(help: "Manifest to write.")
    var out: String
    @Option(help: "Channel names, e.g. Hoechst=DNA,Phalloidin=AGP (omero label, or c0, c1.. without labels; only these are kept); default: every channel, named by its label.")
    var channels: String?
    @OptionGroup var options: PlateImportOptions

    func run() throws {
        let importer = OMEZarrImport(channels: try channels.map(FolderImport.channelList), plate: options.plate, batch: options.batch,
                                     plateMap: try options.plateMap())
        let outURL = URL(fileURLWithPath: out)
        let manifest = try importer.manifest(store: URL(fileURLWithPath: store), manifestDirectory: outURL.deletingLastPathComponent())
        try ImportCommand.writeChecked(manifest, to: out, source: store, checkFiles: true)
        Log.info("wrote \(out): \(manifest.rows.count) fields in \(Set(manifest.rows.map(\.well)).count) wells "
                 + "of plate \(manifest.plates.joined(separator: ", ")), channels \(manifest.channels.joined(separator: ", "))", quiet: options.quiet)
    }
}
