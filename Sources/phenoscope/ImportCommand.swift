import ArgumentParser
import Foundation
import Screen

/// `phenoscope import`: converts the image lists scientists already have (the BBBC021
/// tables, a vendor-named image folder, an OME-Zarr plate, a CellProfiler LoadData CSV) into a Phenoscope manifest.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a data set's image list into a manifest.",
        subcommands: [ImportBBBC021Command.self, ImportFolderCommand.self, ImportZarrCommand.self, ImportLoadDataCommand.self, ImportCellProfilerCommand.self]
    )

    /// Checks `manifest` (files too when `checkFiles`) and writes it to `out`, or throws with
    /// the first problem and nothing written; shared by every importer.
    static func writeChecked(_ manifest: Manifest, to out: String, source: String, checkFiles: Bool) throws {
        let issues = manifest.validate(checkFiles: checkFiles)
        if let first = issues.first {
            throw ValidationError("\(source): \(first) (\(issues.count) problem(s) in all; nothing written)")
        }
        try manifest.write(to: URL(fileURLWithPath: out))
    }
}

/// `phenoscope import bbbc021`: the BBBC021 image and MoA tables -> manifest.csv.
///
/// Sites keep all 13,200 rows by default (MoA empty where unannotated); `--annotated-only`
/// keeps the MoA subset (103 treatments plus DMSO, 3,848 sites). Image paths are written
/// relative to the manifest so the folder can move as a whole.
struct ImportBBBC021Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bbbc021",
        abstract: "Write a manifest from BBBC021_v1_image.csv and BBBC021_v1_moa.csv."
    )

    @Option(help: "Folder holding BBBC021's Week*/ image folders.")
    var images: String
    @Option(name: .customLong("image-csv"), help: "BBBC021_v1_image.csv.")
    var imageCSV: String
    @Option(name: .customLong("moa-csv"), help: "BBBC021_v1_moa.csv.")
    var moaCSV: String
    @Option(help: "Manifest to write.")
    var out: String
    @Flag(help: "Keep only sites whose treatment has an MoA annotation.")
    var annotatedOnly = false
    @Flag(help: "Also check that every image file exists.")
    var checkFiles = false
    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        let importer = try BBBC021Import(imageCSV: URL(fileURLWithPath: imageCSV), moaCSV: URL(fileURLWithPath: moaCSV))
        let manifest = try importer.manifest(imagesDirectory: URL(fileURLWithPath: images),
                                             manifestDirectory: outURL.deletingLastPathComponent(),
                                             annotatedOnly: annotatedOnly)
        try ImportCommand.writeChecked(manifest, to: out, source: imageCSV, checkFiles: checkFiles)
        let annotated = manifest.rows.filter { !$0.moa.isEmpty }
        Log.info("wrote \(out): \(manifest.rows.count) sites on \(manifest.plates.count) plates, "
                 + "\(annotated.count) with an MoA (\(Set(annotated.map(\.treatment)).count) treatments)", quiet: quiet)
    }
}
