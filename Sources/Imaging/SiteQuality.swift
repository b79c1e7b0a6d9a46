/// Image-quality scores of one site, from its channel planes: what QC flags sites by.
///
/// - `focus`: a band ratio of the first (DNA) channel: the variance of the 3x3 Laplacian of
///   the plane smoothed at sigma 1 (fine detail, with the pixel noise damped) over the
///   variance of the plane minus its sigma-4 blur (detail at the scale of nuclei). Gain,
///   offset and the number of cells scale both alike, so only sharpness moves it: a
///   defocused site keeps its cell-scale structure but loses the fine scale, and scores
///   low. (Laplacian variance over squared mean, the usual score, falls with cell density
///   too, and flagged sparse sites as blurred.)
/// - `saturation`: the largest fraction, over channels, of pixels at the sensor's maximum.
/// - `coBright`: the fraction of pixels bright in every channel at once (each channel above
///   its median by more than its 99th-percentile spread). Cells are bright in DNA at the
///   nucleus and in the cytoskeleton channels around it, rarely in all three; debris and dust
///   fluoresce in all of them.
/// - `coBrightBlob`: the area (pixels) of the largest 8-connected patch of co-bright pixels.
///   Where cells overlap a few co-bright pixels lie scattered in specks; debris is one
///   solid lump, so this separates the two where the plain fraction does not (small fields,
///   dense or mitotic cells).
public struct SiteQuality: Sendable, Equatable {
    public var focus: Double
    public var saturation: Double
    public var coBright: Double
    public var coBrightBlob: Double

    public init(focus: Double, saturation: Double, coBright: Double, coBrightBlob: Double = 0) {
        self.focus = focus; self.saturation = saturation; self.coBright = coBright; self.coBrightBlob = coBrightBlob
    }

    /// Scores `planes` (all of one size; the first is the DNA channel).
    public init(planes: [Image<UInt16>], saturationLevel: UInt16 = 65535) {
        precondition(!planes.isEmpty)
        let w = planes[0].width, h = planes[0].height
        // Focus: fine-scale over cell-scale detail of the DNA plane.
        let dna = Image(width: w, height: h, pixels: planes[0].pixels.map { Float($0) })
        let fine = gaussianBlur(dna, sigma: 1), coarse = gaussianBlur(dna, sigma: 4)
        var sum = 0.0, sumSq = 0.0, n = 0.0
        if w > 2 && h > 2 {
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    let i = y * w + x
                    let l = Double(fine.pixels[i - 1]) + Double(fine.pixels[i + 1]) + Double(fine.pixels[i - w])
                        + Double(fine.pixels[i + w]) - 4 * Double(fine.pixels[i])
                    sum += l; sumSq += l * l; n += 1
                }
            }
        }
        let laplacianVariance = n > 0 ? sumSq / n - (sum / n) * (sum / n) : 0
        var rs = 0.0, rss = 0.0
        for i in 0..<(w * h) { let r = Double(dna.pixels[i]) - Double(coarse.pixels[i]); rs += r; rss += r * r }
        let pixelCount = Double(max(w * h, 1))
        let residualVariance = rss / pixelCount - (rs / pixelCount) * (rs / pixelCount)
        focus = residualVariance > 0 ? laplacianVariance / residualVariance : 0
        saturation = planes.map { p in Double(p.pixels.lazy.filter { $0 >= saturationLevel }.count) / Double(max(p.pixels.count, 1)) }.max() ?? 0
        // Co-bright: per channel a robust threshold, then pixels above it in all channels.
        let thresholds = planes.map { p -> Double in
            let median = Double(Composite.percentile(p.pixels, 50))
            let p99 = Double(Composite.percentile(p.pixels, 99))
            return median + max(p99 - median, 1)
        }
        var both = Image<UInt8>(width: w, height: h, repeating: 0)
        var count = 0
        for i in 0..<(w * h) where zip(planes, thresholds).allSatisfy({ Double($0.pixels[i]) > $1 }) { count += 1; both.pixels[i] = 1 }
        coBright = Double(count) / Double(max(w * h, 1))
        var areas: [Int32: Int] = [:]
        if count > 0 { for l in labelConnectedComponents(both, connectivity: .eight).pixels where l != 0 { areas[l, default: 0] += 1 } }
        coBrightBlob = Double(areas.values.max() ?? 0)
    }
}
