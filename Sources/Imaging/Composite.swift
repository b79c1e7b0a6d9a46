/// Renders channel planes as one 8-bit RGB picture, the way people look at fluorescence
/// images: each channel contrast-stretched between two percentiles of its own pixels, then
/// tinted with its colour and added.
public struct Composite: Sendable {
    /// A channel's colour as RGB weights in 0...1.
    public typealias Color = (red: Float, green: Float, blue: Float)

    public var lowPercentile: Float = 0.1
    public var highPercentile: Float = 99.9

    public init() {}

    /// The usual colours for a channel name: DNA blue, tubulin green, actin red; other names
    /// cycle through magenta, cyan, yellow and gray.
    public static func defaultColor(for channel: String, index: Int) -> Color {
        switch channel.lowercased() {
        case "dna", "dapi", "hoechst", "nuclei": return (0, 0.35, 1)
        case "tubulin", "microtubules": return (0, 1, 0)
        case "actin", "phalloidin": return (1, 0, 0)
        default:
            let cycle: [Color] = [(1, 0, 1), (0, 1, 1), (1, 1, 0), (0.7, 0.7, 0.7)]
            return cycle[index % cycle.count]
        }
    }

    /// The value at percentile `p` (0...100) of `pixels`, by a 65,536-bin histogram.
    static func percentile<P: BinaryInteger>(_ pixels: [P], _ p: Float) -> Float {
        var histogram = [Int](repeating: 0, count: 65_536)
        for v in pixels { histogram[min(65_535, max(0, Int(v)))] += 1 }
        let target = Int((p / 100 * Float(max(pixels.count - 1, 0))).rounded())
        var seen = 0
        for (value, count) in histogram.enumerated() {
            seen += count
            if seen > target { return Float(value) }
        }
        return 65_535
    }

    /// The RGB planes of the composite.
    public func render(_ planes: [Image<UInt16>], colors: [Color]) -> (red: Image<UInt8>, green: Image<UInt8>, blue: Image<UInt8>) {
        precondition(planes.count == colors.count && !planes.isEmpty)
        let w = planes[0].width, h = planes[0].height
        var r = [Float](repeating: 0, count: w * h), g = r, b = r
        for (plane, color) in zip(planes, colors) {
            let lo = Composite.percentile(plane.pixels, lowPercentile)
            let hi = max(Composite.percentile(plane.pixels, highPercentile), lo + 1)
            for i in 0..<(w * h) {
                let v = min(max((Float(plane.pixels[i]) - lo) / (hi - lo), 0), 1)
                r[i] += v * color.red; g[i] += v * color.green; b[i] += v * color.blue
            }
        }
        func bytes(_ x: [Float]) -> Image<UInt8> {
            Image(width: w, height: h, pixels: x.map { UInt8(min(max($0, 0), 1) * 255 + 0.5) })
        }
        return (bytes(r), bytes(g), bytes(b))
    }

    /// Renders and encodes as PNG bytes.
    public func png(_ planes: [Image<UInt16>], colors: [Color]) -> [UInt8] {
        let (r, g, b) = render(planes, colors: colors)
        return [UInt8](PNGCodec.rgbData(red: r, green: g, blue: b))
    }
}
