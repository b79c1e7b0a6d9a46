/// How stored intensities become the network's input before per-channel standardization:
/// the 16-bit intensity divided by `divisor` (a float16 crop store holds intensity / 65535
/// already, and is rescaled to the same units).
///
/// `train` records 65535, the full 16-bit range mapped to [0, 1]. A checkpoint pretrained on
/// 8-bit photographs (ImageNet: pixel / 255, then its mean and std) records 255 when its cells
/// were imaged at 8 bits and kept in 16-bit codes. Recorded in model.json so `embed` feeds the
/// network the numbers it learned on whatever the store's own range; files without it mean
/// 65535, what every model before the field was trained with.
public struct IntensityScaling: Codable, Equatable, Sendable {
    /// Intensities are divided by this before standardization.
    public var divisor: Double

    public init(divisor: Double) { self.divisor = divisor }

    /// The scaling `train` uses: the full 16-bit range to [0, 1].
    public static let sixteenBit = IntensityScaling(divisor: 65535)

    /// A usable divisor: finite and positive.
    public var isValid: Bool { divisor.isFinite && divisor > 0 }

    /// `mean` and `std` given in this scaling's units, restated in intensity / 65535 (the
    /// units `CropDataset` reads crops in): (x / d - m) / s = (x / 65535 - m d / 65535) / (s d / 65535).
    public func inSixteenBitUnits(_ s: CropDataset.Standardization) -> CropDataset.Standardization {
        let f = divisor / 65535
        return .init(mean: s.mean.map { $0 * f }, std: s.std.map { $0 * f })
    }
}
