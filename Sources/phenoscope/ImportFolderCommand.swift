import ArgumentParser
import Foundation
import Screen

/// `phenoscope import folder`: a folder of images named by a microscope's convention (Opera
/// Phenix / Operetta, ImageXpress, or a regular expression) -> manifest.csv, one row per site.
///
/// Channels keep their file names (`ch1`..) unless `--channels ch4=DNA,...` renames them (then
/// only the listed ones are kept); treatments come from `--platemap` (pycytominer platemap
/// convention, joined by well) or are left empty. Every image's header is checked before
/// anything is written.
struct ImportFolderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folder",
        abstract: "Write a manifest from a folder of vendor-named images (Opera Phenix, ImageXpress, or a pattern)."
    )

    @Argument(help: "Folder holding the images (searched with its subfolders).")
    var directory: String
    @Option(help: "Naming: phenix (Opera Phenix / Operetta), imagexpress, or a regular expression with named groups well (or row and col), channel, and optionally site and plate.")
    var pattern: String
    @Option(help: "Manifest to write.")
    var out: String
    @Option(help: "Channel names, e.g. ch1=ER,ch2=RNA,ch3=AGP,ch4=DNA,ch5=Mito (only these are kept); default: every channel as named in the files.")
    var channels: String?
    @OptionGroup var options: PlateImportOptions

    func run() throws {
        let naming = try VendorNaming.named(pattern)
        let importer = FolderImport(naming: naming, channels: try channels.map(FolderImport.channelList), plate: options.plate,
                                    batch: options.batch, plateMap: try options.plateMap())
        let outURL = URL(fileURLWithPath: out)
        let manifest = try importer.manifest(directory: URL(fileURLWithPath: directory), manifestDirectory: outURL.deletingLastPathComponent())
        try ImportCommand.writeChecked(manifest, to: out, source: directory, checkFiles: true)
        Log.info("wrote \(out): \(manifest.rows.count) sites in \(Set(manifest.rows.map { "\($0.plate)/\($0.well)" }).count) wells "
                 + "on \(manifest.plates.count) plate(s), channels \(manifest.channels.joined(separator: ", "))", quiet: options.quiet)
    }
}
