/// The per-pixel maps the learned nucleus segmenter predicts, and how instance labels become
/// them (training targets) and them labels again (inference).
///
/// Two maps: the foreground (inside any nucleus) and the normalized interior distance — each
/// nucleus's distance to the nearest pixel outside it (background or another nucleus),
/// divided by that nucleus's largest distance, so every nucleus peaks at 1 in its centre and
/// falls to 0 at its rim whatever its size. Two touching nuclei meet at 0, so thresholding
/// the distance gives one seed per nucleus and a watershed from the seeds over the foreground
/// gives the instances back (the "distance map + marker watershed" family of Data Science
/// Bowl 2018 solutions).
public enum NucleusMaps {
    /// Foreground (0/1) and normalized interior distance targets for a label image.
    public static func targets(_ labels: Image<Int32>) -> (foreground: Image<Float>, distance: Image<Float>) {
        let w = labels.width, h = labels.height, px = labels.pixels
        // A pixel is interior when its 4-neighbours inside the image carry its own label, so
        // the distance to the nearest non-interior pixel separates touching nuclei.
        var interior = Image<UInt8>(width: w, height: h, repeating: 0)
        for y in 0..<h {
            for x in 0..<w {
                let v = px[y * w + x]
                guard v != 0 else { continue }
                let same = (x == 0 || px[y * w + x - 1] == v) && (x == w - 1 || px[y * w + x + 1] == v)
                    && (y == 0 || px[(y - 1) * w + x] == v) && (y == h - 1 || px[(y + 1) * w + x] == v)
                if same { interior.pixels[y * w + x] = 1 }
            }
        }
        var distance = euclideanDistanceTransform(interior)
        // With no rim anywhere (a label image that is all one nucleus) the transform is infinite.
        for i in distance.pixels.indices where !distance.pixels[i].isFinite { distance.pixels[i] = 1 }
        var peak: [Int32: Float] = [:]
        for i in px.indices where px[i] != 0 { peak[px[i]] = max(peak[px[i]] ?? 0, distance.pixels[i] + 1) }
        var foreground = Image<Float>(width: w, height: h, repeating: 0)
        for i in px.indices where px[i] != 0 {
            foreground.pixels[i] = 1
            // +1: a rim pixel gets a small positive value, background exactly 0.
            distance.pixels[i] = (distance.pixels[i] + 1) / peak[px[i]]!
        }
        for i in px.indices where px[i] == 0 { distance.pixels[i] = 0 }
        return (foreground, distance)
    }

    /// Instance labels from predicted maps (probabilities in [0, 1]), the inverse of `targets`:
    /// the foreground is `foreground > foregroundThreshold`; seeds are the 8-connected
    /// components of `distance > seedThreshold` inside it (the inner part of each nucleus,
    /// which touching nuclei do not share, since their distance falls to 0 where they meet);
    /// a watershed on the negated distance grows the seeds over the foreground; objects
    /// smaller than `minArea` pixels are removed and labels renumbered 1...n in raster order
    /// of their seeds. Foreground that no seed reaches stays background.
    public static func labels(foreground: Image<Float>, distance: Image<Float>, foregroundThreshold: Float = 0.5,
                              seedThreshold: Float = 0.5, minArea: Int = 0) -> Image<Int32> {
        precondition(foreground.width == distance.width && foreground.height == distance.height,
                     "NucleusMaps.labels: maps of different sizes")
        let mask = foreground.map { $0 > foregroundThreshold ? UInt8(1) : 0 }
        let seedMask = Image(width: mask.width, height: mask.height,
                             pixels: zip(mask.pixels, distance.pixels).map { $0 != 0 && $1 > seedThreshold ? UInt8(1) : 0 })
        let seeds = labelConnectedComponents(seedMask, connectivity: .eight)
        let grown = watershed(distance.map { -$0 }, markers: seeds, mask: mask)
        return ObjectFilters.relabelSequential(ObjectFilters.removeSmallObjects(grown, minArea: minArea))
    }
}
