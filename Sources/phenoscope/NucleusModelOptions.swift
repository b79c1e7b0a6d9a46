import ArgumentParser
import Tensor
import Foundation
import Imaging

extension NucleusMethod: ExpressibleByArgument {}
extension NumericPrecision: ExpressibleByArgument {}

/// The nucleus-method options that `segment`, `segment-eval` and `bench segment` share:
/// which method finds nuclei and, for the trained network, which model folder and how it is
/// tiled. Classic segmentation keeps its defaults here.
struct NucleusModelOptions: ParsableArguments {
    @Option(help: "Nuclei by: classic (threshold + distance watershed) or model (the trained network).")
    var method: NucleusMethod = .classic

    @Option(help: "Nucleus model folder (model.json + model.safetensors, e.g. a train-segmenter run); default: the shipped models/nuclei.")
    var model: String?

    @Option(help: "Largest tile fed to the network, pixels, margins included (default 1536: one tile for a 1280x1024 site).")
    var tileSize: Int?

    @Option(help: "Mirrored pixels added around the image before the network, a multiple of 16 up to the model's margin (default 16).")
    var border: Int?

    @Option(help: "Network arithmetic: f32, or bf16 on CPUs with AVX-512 BF16 or AMX (about twice the convolution rate, maps equal to about 1e-2).")
    var precision: NumericPrecision = .f32

    @Flag(help: "Average the network's maps over horizontal and vertical flips (4x the network time).")
    var tta = false

    @Option(help: "Model: foreground where its probability is above this (default 0.5).")
    var foregroundThreshold: Float?

    @Option(help: "Model: a nucleus seed where the distance map is above this (default 0.5).")
    var seedThreshold: Float?

    @Option(help: "Model: smallest nucleus kept, pixels (default 30, chosen on the validation split).")
    var minArea: Int?

    /// The trained network for `--method model` (nil for classic); a model that cannot be
    /// read, or model-only options with classic, is a one-line error.
    func validate() throws {
        if method != .model && (model != nil || tileSize != nil || border != nil || tta || foregroundThreshold != nil || seedThreshold != nil
                                || minArea != nil || precision != .f32) {
            throw ValidationError("--model, --tile-size, --border, --tta, --precision, --foreground-threshold, --seed-threshold and --min-area apply to --method model")
        }
        if let reason = precision.unavailableReason() { throw ValidationError("--precision bf16: \(reason)") }
        for (name, value) in [("--foreground-threshold", foregroundThreshold), ("--seed-threshold", seedThreshold)] {
            if let value, !(value > 0 && value < 1) { throw ValidationError("\(name): \(value); expected a probability between 0 and 1") }
        }
        if let minArea, minArea < 0 { throw ValidationError("--min-area: \(minArea); expected 0 or more pixels") }
    }

    func segmenter() throws -> NucleusSegmenter? {
        guard method == .model else { return nil }
        var seg = try NucleusSegmenter.load(model)
        try Self.configure(&seg, tileSize: tileSize, border: border, tta: tta, precision: precision)
        if let foregroundThreshold { seg.foregroundThreshold = foregroundThreshold }
        if let seedThreshold { seg.seedThreshold = seedThreshold }
        if let minArea { seg.minArea = minArea }
        return seg
    }

    /// Sets the tiling options on `seg`; a tile too small for the model's margins (or absurdly
    /// large), or a border off the pooling grid, is an error naming the option.
    static func configure(_ seg: inout NucleusSegmenter, tileSize: Int?, border: Int?, tta: Bool, precision: NumericPrecision) throws {
        if let reason = precision.unavailableReason() { throw ValidationError("--precision bf16: \(reason)") }
        seg.precision = precision
        if let tileSize {
            let least = 2 * seg.margin + seg.sizeMultiple
            guard tileSize >= least, tileSize <= 4096 else {
                throw ValidationError("--tile-size: \(tileSize); expected \(least) to 4096 for this model (margin \(seg.margin) px each side)")
            }
            seg.tileSize = tileSize
        }
        if let border {
            guard border >= 0, border <= seg.margin, border % seg.sizeMultiple == 0 else {
                throw ValidationError("--border: \(border); expected a multiple of \(seg.sizeMultiple) from 0 to \(seg.margin) for this model")
            }
            seg.border = border
        }
        seg.tta = tta
    }
}
