import Foundation

/// Where the public BBBC021 metadata tables (`BBBC021_v1_image.csv`, `BBBC021_v1_moa.csv`)
/// are: a directory the user names, or the copies that ship with Phenoscope as resources of
/// this module (`Resources/bbbc021`, with their source and licence in `SOURCE.md`).
///
/// The shipped copies are found relative to the installed program, never relative to a
/// development checkout, so `synth --preset bbbc021` works from a fresh clone or an install
/// that keeps the `Phenoscope_Screen.resources` folder beside the executable.
public struct BBBC021Tables: Sendable, Equatable {
    /// `BBBC021_v1_image.csv`: one row per site with file names, plate, well, compound.
    public var imageTable: URL
    /// `BBBC021_v1_moa.csv`: compound, concentration, MoA of the annotated subset.
    public var moaTable: URL

    /// The two tables in `directory` (not checked until read).
    public init(directory: URL) {
        imageTable = directory.appendingPathComponent("BBBC021_v1_image.csv")
        moaTable = directory.appendingPathComponent("BBBC021_v1_moa.csv")
    }

    /// The tables in `directory` when given (it must hold both), else the shipped copies.
    public static func locate(_ directory: String?) throws -> BBBC021Tables {
        guard let directory else { return try shipped() }
        let tables = BBBC021Tables(directory: URL(fileURLWithPath: directory))
        for file in [tables.imageTable, tables.moaTable] where !FileManager.default.fileExists(atPath: file.path) {
            throw CSVError(source: file.path, line: 0, message: "file not found; expected the BBBC021 metadata table here")
        }
        return tables
    }

    /// The copies shipped with the program; throws naming every place looked at.
    public static func shipped() throws -> BBBC021Tables {
        let candidates = shippedCandidates()
        for dir in candidates {
            let tables = BBBC021Tables(directory: dir)
            if FileManager.default.fileExists(atPath: tables.imageTable.path),
               FileManager.default.fileExists(atPath: tables.moaTable.path) {
                return tables
            }
        }
        throw CSVError(source: "BBBC021_v1_image.csv", line: 0, message:
                           "the copy shipped with Phenoscope is missing (looked in "
                           + candidates.map(\.path).joined(separator: ", ") + "); pass its directory with --bbbc021-metadata")
    }

    /// SwiftPM's resource folder for this module, looked for where its generated
    /// `Bundle.module` looks (beside the main bundle, then the build directory), plus beside
    /// the resolved executable; written out here because `Bundle.module` stops the process
    /// when the folder is missing instead of letting us name the problem.
    static func shippedCandidates() -> [URL] {
        let bundleName = "Phenoscope_Screen.resources"
        var roots = [Bundle.main.bundleURL]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() { roots.append(exe) }
        var seen = Set<String>()
        return roots.compactMap { root in
            let dir = root.appendingPathComponent(bundleName).appendingPathComponent("bbbc021").standardizedFileURL
            return seen.insert(dir.path).inserted ? dir : nil
        }
    }
}
