import ArgumentParser
import Foundation
import Imaging
import Screen

/// `phenoscope render`: one site of a manifest as an RGB composite PNG (DNA blue, tubulin
/// green, actin red by default; each channel stretched between its 0.1 and 99.9 percentiles).
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write one site's channels as an RGB composite PNG."
    )

    @Argument(help: "The manifest CSV.")
    var manifest: String
    @OptionGroup var budget: ImageBudgetOptions
    @Option(help: "Plate (default: the first row's).") var plate: String?
    @Option(help: "Well, e.g. B03 (default: the first row's).") var well: String?
    @Option(help: "Site (default: the first row's).") var site: Int?
    @Option(help: "PNG to write.") var out: String

    func run() throws {
        let m = try budget.manifest(manifest)
        let wanted = try well.map { w -> WellPosition in
            guard let p = WellPosition(w) else { throw ValidationError("--well: '\(w)' is not a well name like B03") }
            return p
        }
        guard let row = m.rows.first(where: { r in
            (plate == nil || r.plate == plate) && (wanted == nil || r.well == wanted) && (site == nil || r.site == site)
        }) else {
            throw ValidationError("\(manifest): no site matches plate \(plate ?? "*"), well \(well ?? "*"), site \(site.map(String.init) ?? "*")")
        }
        let planes = try m.siteImages(row)
        let colors = m.channels.enumerated().map { Composite.defaultColor(for: $1, index: $0) }
        let (r, g, b) = Composite().render(planes, colors: colors)
        try PNGCodec.write(red: r, green: g, blue: b, to: URL(fileURLWithPath: out))
        Log.info("wrote \(out): \(row.plate) \(row.well) site \(row.site), \(row.compound) \(row.concentrationText) (\(row.moa))")
    }
}
