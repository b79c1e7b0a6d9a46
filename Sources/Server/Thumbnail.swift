import Imaging

/// Shrinking a channel plane for a thumbnail by averaging `factor` x `factor` blocks, which
/// keeps faint structure visible where plain subsampling would alias it away.
enum Thumbnail {
    static func downscale(_ image: Image<UInt16>, by factor: Int) -> Image<UInt16> {
        guard factor > 1 else { return image }
        let w = max(1, image.width / factor), h = max(1, image.height / factor)
        var out = [UInt16](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var sum = 0, n = 0
                for yy in (y * factor)..<min((y + 1) * factor, image.height) {
                    for xx in (x * factor)..<min((x + 1) * factor, image.width) {
                        sum += Int(image.pixels[yy * image.width + xx]); n += 1
                    }
                }
                out[y * w + x] = UInt16(sum / max(n, 1))
            }
        }
        return Image(width: w, height: h, pixels: out)
    }
}
