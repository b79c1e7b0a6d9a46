import ArgumentParser

/// `phenoscope bench`: speed and quality benchmarks, each against a baseline measured in the
/// same run (a reference tool on the same inputs), reported as ratios.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks against reference tools, measured in the same run.",
        subcommands: [BenchTrainCommand.self, BenchGEMMCommand.self, BenchLearnCommand.self, BenchDataParallelCommand.self, BenchTIFFCommand.self, BenchFeaturesCommand.self, BenchSearchCommand.self, BenchUMAPCommand.self, BenchServeCommand.self, BenchSegmentCommand.self, BenchQueryImageCommand.self, BenchZarrCommand.self, BenchCellsCommand.self]
    )
}
