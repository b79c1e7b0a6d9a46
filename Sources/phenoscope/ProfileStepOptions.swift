import ArgumentParser
import Foundation
import Profiling

/// The profile-processing options that `profile` and `evaluate` share, in pycytominer's
/// order: per-plate normalization against DMSO, feature selection, sphering against DMSO.
struct ProfileStepOptions: ParsableArguments {
    @Option(help: "Per-plate normalization against DMSO: none, standardize, robust-z or mad_robustize (pycytominer's exactly: a feature with zero MAD on DMSO is divided by epsilon).")
    var normalize = "none"

    @Flag(help: "Feature selection with pycytominer's default operations (variance_threshold, correlation_threshold, drop_na_columns) after normalization.")
    var featureSelect = false

    @Option(help: "Feature selection with these pycytominer operations, comma-separated, run in this order: variance_threshold, frequency_threshold, correlation_threshold, drop_na_columns, blocklist, drop_outliers.")
    var select: String?

    @Option(help: "variance_threshold: minimum population variance.")
    var minVariance = 1e-6
    @Option(help: "frequency_threshold: minimum ratio of the second most common value's count to the most common's.")
    var freqCut = 0.05
    @Option(help: "frequency_threshold: minimum ratio of distinct values to rows.")
    var uniqueCut = 0.01
    @Option(help: "correlation_threshold: Pearson correlation above which one feature of a pair is dropped.")
    var corrThreshold = 0.9
    @Option(help: "drop_na_columns: largest tolerated fraction of NaN values.")
    var naCutoff = 0.05
    @Option(help: "drop_outliers: largest tolerated absolute value (pycytominer's default 500).")
    var outlierCutoff = 500.0
    @Option(help: "blocklist: a file of feature names, one a line (a 'blocklist' header line is skipped); default pycytominer's default blocklist.")
    var blocklist: String?

    @Option(help: "Sphering against DMSO after feature selection: none, zca or zca-cor.")
    var spherize = "none"

    @Option(help: "Sphering regularizer added to the singular values.")
    var spherizeEpsilon = 1e-6

    /// Whether a feature-selection step is asked for.
    var selects: Bool { featureSelect || select != nil }

    /// The feature selection asked for, nil when none is.
    func featureSelection() throws -> FeatureSelection? {
        guard selects else { return nil }
        if featureSelect && select != nil { throw ProfilingError("--feature-select and --select: give one of them") }
        var f = FeatureSelection()
        if let select {
            do { f.operations = try FeatureSelection.Operation.list(select) } catch {
                throw ProfilingError("--select: \(error)")
            }
            guard !f.operations.isEmpty else { throw ProfilingError("--select: expected at least one operation") }
        }
        guard minVariance >= 0 else { throw ProfilingError("--min-variance: expected >= 0") }
        guard (0...1).contains(freqCut) else { throw ProfilingError("--freq-cut: expected 0 to 1") }
        guard (0...1).contains(uniqueCut) else { throw ProfilingError("--unique-cut: expected 0 to 1") }
        guard (0...1).contains(corrThreshold) else { throw ProfilingError("--corr-threshold: expected 0 to 1") }
        guard (0...1).contains(naCutoff) else { throw ProfilingError("--na-cutoff: expected 0 to 1") }
        guard outlierCutoff >= 0 else { throw ProfilingError("--outlier-cutoff: expected >= 0") }
        (f.minVariance, f.freqCut, f.uniqueCut) = (minVariance, freqCut, uniqueCut)
        (f.correlationThreshold, f.naCutoff, f.outlierCutoff) = (corrThreshold, naCutoff, outlierCutoff)
        if let blocklist {
            guard let text = try? String(contentsOfFile: blocklist, encoding: .utf8) else {
                throw ProfilingError("--blocklist: cannot read \(blocklist)")
            }
            f.blocklist = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && $0 != "blocklist" }
        }
        return f
    }

    /// Sets the chosen steps on `pipeline`; an unknown value is an error naming the option.
    func configure(_ pipeline: inout ProfilePipeline) throws {
        if normalize != "none" {
            guard let m = PlateNormalization.Method(rawValue: normalize) else {
                throw ProfilingError("--normalize: unknown value '\(normalize)' (expected none, standardize, robust-z or mad_robustize)")
            }
            pipeline.normalization = PlateNormalization(method: m)
        }
        pipeline.featureSelection = try featureSelection()
        if spherize != "none" {
            guard let m = Spherize.Method(rawValue: spherize) else {
                throw ProfilingError("--spherize: unknown value '\(spherize)' (expected none, zca or zca-cor)")
            }
            pipeline.spherize = Spherize(method: m, epsilon: spherizeEpsilon)
        }
    }
}
