import Foundation
import Yams

/// The configuration of `phenoscope run`, as read from YAML and completed with defaults.
///
/// Every key has a default, so a config names only what differs; the resolved config (all
/// keys) is written to the run folder so a run can be repeated exactly. Keys are snake_case.
/// An unknown key is an error naming it, so a typo never silently falls back to a default.
struct RunConfig: Codable, Equatable {
    /// The run folder is `<runs_dir>/<name>/`.
    var name = "default"
    /// Relative paths in the config are relative to the config file's folder.
    var runsDir = "runs"
    var screen = ScreenConfig()

    /// Where the images come from: an existing manifest, or a synthetic screen made on the fly.
    struct ScreenConfig: Codable, Equatable {
        /// A manifest CSV (DESIGN.md contract). When empty, `synthetic` is used.
        var manifest = ""
        var synthetic = SyntheticConfig()
        /// Plate format used to validate well names.
        var plateWells = 96
    }

    /// Options of `phenoscope synth` for the built-in default data.
    struct SyntheticConfig: Codable, Equatable {
        var preset = "default"
        var plates = 2
        var seed = 1
    }

    enum CodingKeys: String, CodingKey { case name, runsDir = "runs_dir", screen }
}

extension RunConfig.ScreenConfig {
    enum CodingKeys: String, CodingKey { case manifest, synthetic, plateWells = "plate_wells" }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        manifest = try c.decodeIfPresent(String.self, forKey: .manifest) ?? d.manifest
        synthetic = try c.decodeIfPresent(RunConfig.SyntheticConfig.self, forKey: .synthetic) ?? d.synthetic
        plateWells = try c.decodeIfPresent(Int.self, forKey: .plateWells) ?? d.plateWells
    }
}

extension RunConfig.SyntheticConfig {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        preset = try c.decodeIfPresent(String.self, forKey: .preset) ?? d.preset
        plates = try c.decodeIfPresent(Int.self, forKey: .plates) ?? d.plates
        seed = try c.decodeIfPresent(Int.self, forKey: .seed) ?? d.seed
    }
}

extension RunConfig {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        runsDir = try c.decodeIfPresent(String.self, forKey: .runsDir) ?? d.runsDir
        screen = try c.decodeIfPresent(ScreenConfig.self, forKey: .screen) ?? d.screen
    }

    /// Reads, completes and checks a config file.
    static func load(_ url: URL) throws -> RunConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigError(file: url.path, message: "cannot read file")
        }
        return try parse(text, file: url.path)
    }

    static func parse(_ text: String, file: String) throws -> RunConfig {
        let config: RunConfig
        do {
            config = try YAMLDecoder().decode(RunConfig.self, from: text.isEmpty ? "{}" : text)
        } catch let DecodingError.typeMismatch(type, ctx), let DecodingError.valueNotFound(type, ctx) {
            throw ConfigError(file: file, message: "\(ConfigError.path(ctx.codingPath)): expected \(type)")
        } catch let DecodingError.dataCorrupted(ctx) {
            let detail = ctx.underlyingError.map { "\($0)".split(separator: "\n").joined(separator: " ") } ?? ctx.debugDescription
            throw ConfigError(file: file, message: "\(ConfigError.path(ctx.codingPath)): \(detail)")
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        // Unknown keys: every key the user wrote must appear in the fully resolved config.
        let resolved = try Yams.compose(yaml: config.yaml())
        if let user = try Yams.compose(yaml: text), let unknown = ConfigError.firstUnknownKey(user, in: resolved, path: []) {
            throw ConfigError(file: file, message: "unknown key '\(unknown)'")
        }
        try config.check(file: file)
        return config
    }

    func check(file: String) throws {
        guard !name.isEmpty, !name.contains("/") else {
            throw ConfigError(file: file, message: "name: '\(name)' must be a non-empty folder name")
        }
        guard screen.synthetic.plates >= 1 else {
            throw ConfigError(file: file, message: "screen.synthetic.plates: expected at least 1")
        }
    }

    /// The resolved config as YAML, every key present.
    func yaml() throws -> String { try YAMLEncoder().encode(self) }
}

/// A config problem, printed as `file: key: message`.
struct ConfigError: Error, CustomStringConvertible {
    var file: String
    var message: String
    var description: String { "\(file): \(message)" }

    static func path(_ keys: [CodingKey]) -> String {
        keys.isEmpty ? "(top level)" : keys.map(\.stringValue).joined(separator: ".")
    }

    static func firstUnknownKey(_ user: Node, in resolved: Node?, path: [String]) -> String? {
        guard case .mapping(let u) = user else { return nil }
        guard case .mapping(let r)? = resolved else { return nil }
        for (k, v) in u {
            guard let key = k.string else { continue }
            guard let sub = r[Node(key)] else { return (path + [key]).joined(separator: ".") }
            if let found = firstUnknownKey(v, in: sub, path: path + [key]) { return found }
        }
        return nil
    }
}
