import ArgumentParser
import Foundation
import Imaging
import Screen

/// `--max-pixels`, shared by every verb that reads a manifest's images: the most pixels one
/// image file may hold (all its pages together). Headers are checked against it before
/// anything is decoded, so a forged or oversized file is a one-line error naming it instead
/// of gigabytes allocated; raise it for genuinely larger planes (the `run` config's key is
/// `screen.max_pixels`).
struct ImageBudgetOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: ArgumentHelp("The most pixels one image file may hold, all its pages together (1 to 2^32; default 2^28, a 16,384^2 plane).",
                               valueName: "pixels"))
    var maxPixels = TIFFReader.defaultMaxPixels

    func validate() throws {
        if let problem = PlaneReader.pixelBudgetProblem(maxPixels, key: "--max-pixels") { throw ValidationError(problem) }
    }

    /// The manifest at `path`, its images to be read within this budget.
    func manifest(_ path: String) throws -> Manifest {
        var m = try Manifest.load(URL(fileURLWithPath: path))
        m.maxPixels = maxPixels
        return m
    }
}
