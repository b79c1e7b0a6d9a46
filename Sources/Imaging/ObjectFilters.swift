/// Clean-up steps on label images after segmentation, mirroring scikit-image's
/// `remove_small_objects`, `clear_border` and `relabel_sequential`.
public enum ObjectFilters {
    /// Removes (sets to 0) every label with fewer than `minArea` pixels.
    public static func removeSmallObjects(_ labels: Image<Int32>, minArea: Int) -> Image<Int32> {
        var area = [Int32: Int]()
        for l in labels.pixels where l != 0 { area[l, default: 0] += 1 }
        return labels.map { $0 != 0 && area[$0]! < minArea ? 0 : $0 }
    }

    /// Removes every label that has a pixel on the image border.
    public static func clearBorder(_ labels: Image<Int32>) -> Image<Int32> {
        let w = labels.width, h = labels.height
        var touching = Set<Int32>()
        for x in 0..<w { touching.insert(labels[x, 0]); touching.insert(labels[x, h - 1]) }
        for y in 0..<h { touching.insert(labels[0, y]); touching.insert(labels[w - 1, y]) }
        touching.remove(0)
        return labels.map { touching.contains($0) ? 0 : $0 }
    }

    /// Renumbers labels 1...n in order of their current value, keeping 0 as background.
    public static func relabelSequential(_ labels: Image<Int32>) -> Image<Int32> {
        let present = Set(labels.pixels).subtracting([0]).sorted()
        var map = [Int32: Int32](minimumCapacity: present.count)
        for (i, l) in present.enumerated() { map[l] = Int32(i + 1) }
        return labels.map { $0 == 0 ? 0 : map[$0]! }
    }
}
