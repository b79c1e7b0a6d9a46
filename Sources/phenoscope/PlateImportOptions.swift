import ArgumentParser
import Foundation
import Screen

/// The options `import folder` and `import zarr` share: what to call the plate and its batch,
/// and the plate map its treatments are joined from.
struct PlateImportOptions: ParsableArguments {
    @Option(help: "Plate name (default: from the images: the folder's name, a pattern's plate group, or an OME-Zarr plate's name).")
    var plate: String?
    @Option(help: "Batch name (default: the plate's name).")
    var batch: String?
    @Option(help: "Plate map (CSV, or tab-separated .txt/.tsv) in pycytominer's platemap convention: well_position plus Compound / pert_iname / broad_sample, optional mmoles_per_liter / Concentration, MoA.")
    var platemap: String?
    @Flag(help: "Print nothing but errors.")
    var quiet = false

    /// The plate map, read and checked, when one is named.
    func plateMap() throws -> PlateMap? {
        try platemap.map { try PlateMap(contentsOf: URL(fileURLWithPath: $0)) }
    }
}
