import Core
import Foundation

/// How one plate was imaged: per channel, a smooth uneven-illumination field, a gain and
/// a camera offset. Batches share a base (same microscope settings that week) and each
/// plate perturbs it, which is what makes batch effects in a synthetic screen.
public struct PlateOptics: Sendable {
    public static let channelNames = ["DNA", "Tubulin", "Actin"]
    /// ADU per signal unit for a typical plate.
    static let baseGain: [Float] = [2600, 1300, 1600]

    public let width: Int
    public let height: Int
    /// Per channel, `width * height` multiplicative illumination factors (about 0.6 to 1.1).
    public let fields: [[Float]]
    public let gains: [Float]
    public let offsets: [Float]

    public init(plate: String, batch: String, width: Int, height: Int, seed: UInt64) {
        self.width = width
        self.height = height
        var batchRNG = SeededRandom(seed: seed, stream: [SeededRandom.hash(batch), 0xBA7C])
        var plateRNG = SeededRandom(seed: seed, stream: [SeededRandom.hash(plate), 0x9147])
        var fields: [[Float]] = []
        var gains: [Float] = []
        var offsets: [Float] = []
        for c in 0..<3 {
            // Vignetting round an off-centre optical axis, plus a tilt.
            let cx = batchRNG.uniform(0.35, 0.65) + 0.05 * plateRNG.normal()
            let cy = batchRNG.uniform(0.35, 0.65) + 0.05 * plateRNG.normal()
            let fall = batchRNG.uniform(0.3, 0.5) * plateRNG.logNormal(0.1)
            let tx = 0.08 * batchRNG.normal() + 0.03 * plateRNG.normal()
            let ty = 0.08 * batchRNG.normal() + 0.03 * plateRNG.normal()
            var f = [Float](repeating: 0, count: width * height)
            let sx = 1 / Float(max(width, height))
            for y in 0..<height {
                let v = Float(y) * sx - cy * Float(height) * sx
                for x in 0..<width {
                    let u = Float(x) * sx - cx * Float(width) * sx
                    f[y * width + x] = max(0.2, 1.05 - fall * (u * u + v * v) * 2 + tx * u + ty * v)
                }
            }
            fields.append(f)
            gains.append(PlateOptics.baseGain[c] * batchRNG.logNormal(0.2) * plateRNG.logNormal(0.05))
            offsets.append(180 + batchRNG.uniform(-40, 40) + plateRNG.uniform(-5, 5))
        }
        self.fields = fields
        self.gains = gains
        self.offsets = offsets
    }
}
