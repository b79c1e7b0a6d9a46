import ArgumentParser

/// `phenoscope`: image-based cell phenotyping from raw plates to MoA, in one program.
///
/// Each verb is one stage or tool of the flow in DESIGN.md; `phenoscope run CONFIG.yaml`
/// chains them for a whole screen. Every verb exits non-zero with a one-line error naming
/// the file, row or field at fault when its input is bad.
@main
struct Phenoscope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phenoscope",
        abstract: "Image-based cell phenotyping: segmentation, features, learned embeddings, profiles, MoA evaluation and search.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, SynthCommand.self, ImportCommand.self, ManifestCommand.self,
            EvaluateCommand.self, ProfileCommand.self, RenderCommand.self,
            QCCommand.self, SegmentCommand.self, SegmentEvalCommand.self, IndexCommand.self, SearchCommand.self, BenchCommand.self, TuneCommand.self,
            CropsCommand.self, IllumCommand.self, ServeCommand.self,
            TrainCommand.self, LeaveOneOutCommand.self, TrainSegmenterCommand.self, EmbedCommand.self, ModelCommand.self,
        ]
    )

    static func main() {
        RuntimeEnvironment.applyBeforeStart()
        main(nil)
    }
}
