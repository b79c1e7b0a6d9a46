import ArgumentParser
import Foundation
import Screen

/// `phenoscope manifest check`: validates a manifest and, optionally, loads it into a catalog.
///
/// Every problem is listed with its line, field and what was expected (missing files,
/// unknown wells, duplicate sites, inconsistent channel sets, a plate in two batches, a
/// well with two treatments); the exit status is non-zero if there is any.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Check a manifest and load it into the SQLite catalog.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a manifest; list every problem with its line.")

        @Argument(help: "The manifest CSV.")
        var manifest: String
        @OptionGroup var budget: ImageBudgetOptions
        @Option(help: "Plate format (96, 384 or 1536 wells); wells outside it are reported.")
        var plateWells: Int?
        @Flag(inversion: .prefixedNo, help: "Check that image files exist.")
        var checkFiles = true
        @Option(help: "Also load the manifest into this SQLite catalog.")
        var catalog: String?
        @Flag(help: "Print one JSON object with the counts and problems on standard output.")
        var json = false

        func validate() throws {
            if let w = plateWells, Manifest.plateGeometry(w) == nil {
                throw ValidationError("--plate-wells: \(w) is not a plate format; expected 6, 24, 96, 384 or 1536")
            }
        }

        func run() throws {
            let m = try budget.manifest(manifest)
            let issues = m.validate(plateWells: plateWells, checkFiles: checkFiles)
            if let path = catalog, issues.isEmpty {
                try Catalog(url: URL(fileURLWithPath: path)).load(m)
            }
            if json {
                let obj: [String: Any] = [
                    "sites": m.rows.count, "plates": m.plates.count, "channels": m.channels,
                    "problems": issues.map { ["line": $0.line, "field": $0.field, "message": $0.message] as [String: Any] },
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
            for issue in issues.prefix(50) { Log.info("\(manifest):\(issue.line): \(issue.field): \(issue.message)") }
            if issues.count > 50 { Log.info("... and \(issues.count - 50) more") }
            guard issues.isEmpty else { throw ExitCode.failure }
            Log.info("\(manifest): \(m.rows.count) sites, \(m.plates.count) plates, channels \(m.channels.joined(separator: ", ")): ok", quiet: json)
        }
    }
}
