import ArgumentParser
import Foundation

/// The input preprocessing `model import` records in model.json: channel names and the
/// per-channel mean and standard deviation the checkpoint was trained with, from the command
/// line or from a timm / Hugging Face style config json (`mean`, `std` at the top level or
/// under `pretrained_cfg`, as timm writes them).
struct InputPreprocessing: Equatable {
    var names: [String]?
    var mean: [Double]?
    var std: [Double]?

    /// The parts of a timm config json that are read; everything else in it is ignored.
    struct TimmConfig: Decodable {
        struct Statistics: Decodable { var mean: [Double]?; var std: [Double]? }
        var mean: [Double]?
        var std: [Double]?
        var pretrainedCfg: Statistics?
        enum CodingKeys: String, CodingKey { case mean, std, pretrainedCfg = "pretrained_cfg" }
    }

    /// A config json is a few kB; a larger file is not one.
    static let configByteLimit = 1 << 20

    /// Checks and combines the options for a model of `channelCount` channels. A single mean
    /// or std value applies to every channel; otherwise there must be one per channel.
    static func parse(names: String?, mean: String?, std: String?, config: String?, divisor: Double,
                      channelCount: Int) throws -> InputPreprocessing {
        guard divisor.isFinite, divisor > 0 else {
            throw ValidationError("--intensity-divisor: \(divisor); expected a positive number (65535 or 255)")
        }
        var result = InputPreprocessing()
        if let names {
            let list = names.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard list.count == channelCount, list.allSatisfy({ !$0.isEmpty }) else {
                throw ValidationError("--channels: \(list.count) names (\(names)); expected \(channelCount) non-empty names, one per input channel")
            }
            guard Set(list).count == list.count else { throw ValidationError("--channels: \(names) repeats a name") }
            result.names = list
        }
        var given: (mean: [Double], std: [Double], source: String)?
        if mean != nil || std != nil {
            guard config == nil else { throw ValidationError("--mean/--std and --config both give statistics; give one") }
            guard let mean, let std else { throw ValidationError("--mean and --std go together; got only \(mean == nil ? "--std" : "--mean")") }
            given = (try numbers(mean, option: "--mean"), try numbers(std, option: "--std"), "--mean/--std")
        } else if let config {
            let stats = try read(config: config)
            given = (stats.mean, stats.std, "--config \(config)")
        }
        if let given {
            let std = try perChannel(given.std, field: "std", source: given.source, channelCount: channelCount)
            result.mean = try perChannel(given.mean, field: "mean", source: given.source, channelCount: channelCount)
            result.std = std
            guard std.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("\(given.source): std \(given.std); expected positive deviations")
            }
        }
        return result
    }

    static func numbers(_ text: String, option: String) throws -> [Double] {
        try text.split(separator: ",").map {
            let field = $0.trimmingCharacters(in: .whitespaces)
            guard let v = Double(field), v.isFinite else { throw ValidationError("\(option): '\(field)' is not a finite number") }
            return v
        }
    }

    static func perChannel(_ values: [Double], field: String, source: String, channelCount: Int) throws -> [Double] {
        if values.count == 1 { return Array(repeating: values[0], count: channelCount) }
        guard values.count == channelCount else {
            throw ValidationError("\(source): \(field) has \(values.count) values, the model takes \(channelCount) channels; expected 1 or \(channelCount) (pass --mean/--std for adapted channels)")
        }
        return values
    }

    static func read(config path: String) throws -> (mean: [Double], std: [Double]) {
        let url = URL(fileURLWithPath: path)
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else { throw ValidationError("--config \(path): cannot read the file") }
        guard size <= configByteLimit else {
            throw ValidationError("--config \(path): \(size) bytes; expected a config json of at most \(configByteLimit)")
        }
        let parsed: TimmConfig
        do { parsed = try JSONDecoder().decode(TimmConfig.self, from: try Data(contentsOf: url)) } catch {
            throw ValidationError("--config \(path): not a config json with numeric 'mean' and 'std' lists (\(error.localizedDescription))")
        }
        guard let mean = parsed.mean ?? parsed.pretrainedCfg?.mean, let std = parsed.std ?? parsed.pretrainedCfg?.std,
              !mean.isEmpty, !std.isEmpty, (mean + std).allSatisfy(\.isFinite) else {
            throw ValidationError("--config \(path): no 'mean' and 'std' lists of finite numbers at the top level or under 'pretrained_cfg'")
        }
        return (mean, std)
    }
}
