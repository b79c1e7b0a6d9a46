import ArgumentParser
import Profiling

/// The profile-processing options that `profile` and `evaluate` share, in pycytominer's
/// order: per-plate normalization against DMSO, feature selection, sphering against DMSO.
struct ProfileStepOptions: ParsableArguments {
    @Option(help: "Per-plate normalization against DMSO: none, standardize, robust-z, or mad-robustize (pycytominer's exactly: no zero-MAD guard).")
    var normalize = "none"

    @Flag(help: "Feature selection (variance, correlation > 0.9, > 5% NaN) after normalization.")
    var featureSelect = false

    @Option(help: "Sphering against DMSO after feature selection: none, zca or zca-cor.")
    var spherize = "none"

    @Option(help: "Sphering regularizer added to the singular values.")
    var spherizeEpsilon = 1e-6

    /// Sets the chosen steps on `pipeline`; an unknown value is an error naming the option.
    func configure(_ pipeline: inout ProfilePipeline) throws {
        if normalize != "none" {
            guard let m = PlateNormalization.Method(rawValue: normalize) else {
                throw ProfilingError("--normalize: unknown value '\(normalize)' (expected none, standardize, robust-z or mad-robustize)")
            }
            pipeline.normalization = PlateNormalization(method: m)
        }
        if featureSelect { pipeline.featureSelection = FeatureSelection() }
        if spherize != "none" {
            guard let m = Spherize.Method(rawValue: spherize) else {
                throw ProfilingError("--spherize: unknown value '\(spherize)' (expected none, zca or zca-cor)")
            }
            pipeline.spherize = Spherize(method: m, epsilon: spherizeEpsilon)
        }
    }
}
