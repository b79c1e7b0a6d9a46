/// Grayscale morphological reconstruction by dilation of `marker` under `mask`
/// (8-connectivity), by a max-priority flood: each pixel is raised to the highest value
/// that can reach it through pixels of `mask` no lower than that value. `marker` must be
/// <= `mask` pixelwise (it is clipped to `mask`).
public func reconstructByDilation(marker: Image<Float>, mask: Image<Float>) -> Image<Float> {
    let w = mask.width, h = mask.height
    precondition(marker.width == w && marker.height == h, "marker and mask must have the same size")
    var rec = zip(marker.pixels, mask.pixels).map { min($0, $1) }
    var heap = FloodQueue()
    let m = mask.pixels
    // Seed the flood only with pixels that can raise a neighbour; the rest are final.
    // FloodQueue pops the smallest value first, so values go in negated.
    for y in 0..<h {
        for x in 0..<w {
            let i = y * w + x, v = rec[i]
            var raises = false
            for ny in max(0, y - 1)...min(h - 1, y + 1) where !raises {
                for nx in max(0, x - 1)...min(w - 1, x + 1) where rec[ny * w + nx] < min(v, m[ny * w + nx]) {
                    raises = true
                    break
                }
            }
            if raises { heap.push(.init(value: -v, age: 0, index: i)) }
        }
    }
    while let e = heap.pop() {
        let v = -e.value
        let at = Int(e.index)
        guard v == rec[at] else { continue }  // stale entry
        let x = at % w, y = at / w
        for ny in max(0, y - 1)...min(h - 1, y + 1) {
            for nx in max(0, x - 1)...min(w - 1, x + 1) {
                let j = ny * w + nx
                let raised = min(v, m[j])
                if raised > rec[j] {
                    rec[j] = raised
                    heap.push(.init(value: -raised, age: 0, index: j))
                }
            }
        }
    }
    return Image(width: w, height: h, pixels: rec)
}

/// The h-maxima transform as a marker mask (1 = pixel of a regional maximum at least `h`
/// high above its surroundings), as `skimage.morphology.h_maxima`: reconstruct
/// `image - h` under `image` and keep pixels whose residue reaches `h`. Labelling the
/// result with `labelConnectedComponents` gives one seed per object for `watershed`.
public func hMaxima(_ image: Image<Float>, h: Float) -> Image<UInt8> {
    precondition(h > 0, "h must be positive")
    // As scikit-image does for floats: allow for rounding in image - h.
    let resolution = 2 * Float.ulpOfOne * (image.pixels.map { abs($0) }.max() ?? 0)
    // Raising the marker to the image minimum where image - h falls below it changes no
    // flagged pixel (a path from there carries at most the minimum, which every pixel at
    // least h above the minimum already has), but keeps the flood out of flat background,
    // which otherwise is raised pixel by pixel from min - h to min.
    let lowest = image.pixels.min() ?? 0
    let shifted = image.map { max($0 - h, lowest) }
    let rec = reconstructByDilation(marker: shifted, mask: image)
    let threshold = h - resolution / 2
    return Image(width: image.width, height: image.height,
                 pixels: zip(image.pixels, rec.pixels).map { $0 - $1 >= threshold ? 1 : 0 })
}
