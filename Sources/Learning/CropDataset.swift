import Foundation
import Screen
import Tensor

/// A crop store in memory as training data: crops as floats (intensity / 65535, then
/// standardized per channel over the whole store), one label per cell from `labelColumn`
/// ("" when empty) and its compound. Until the `augment` branch's `CellDataset` lands this is
/// the Learning module's loader; it holds the whole store, which suits screens of up to a few
/// hundred thousand small crops.
public struct CropDataset: Sendable {
    public let count, channels, size: Int
    public let pixels: [Float]
    public let labels: [String]
    public let compounds: [String]
    public let store: CropStore

    public struct DataError: Error, CustomStringConvertible { public let description: String }

    public static func open(_ directory: URL, labelColumn: String) throws -> CropDataset {
        let store = try CropStore.open(directory)
        let cells = store.cells
        guard let labelIndex = cells.header.firstIndex(of: labelColumn) else {
            throw DataError(description: "\(cells.source): no column '\(labelColumn)' (label_column); have \(cells.header.joined(separator: ", "))")
        }
        let compoundIndex = cells.header.firstIndex(of: "Metadata_Compound")
        var pixels = [Float](); pixels.reserveCapacity(store.header.count * store.cellLength)
        let scale: Float = (store.header.dtype ?? .u16) == .u16 ? 1 / 65535 : 1
        try store.forEachShard { _, shard in pixels += shard.floats().map { $0 * scale } }
        let c = store.header.channels.count, s = store.header.size, n = store.header.count
        guard pixels.count == n * c * s * s else {
            throw DataError(description: "\(directory.path): shards hold \(pixels.count / max(1, c * s * s)) cells, crops.json says \(n)")
        }
        for ch in 0..<c {
            var sum = 0.0, sq = 0.0
            for i in 0..<n { for j in 0..<(s * s) { let v = Double(pixels[(i * c + ch) * s * s + j]); sum += v; sq += v * v } }
            let count = Double(n * s * s), mean = sum / count
            let std = max(1e-6, (sq / count - mean * mean).squareRoot())
            for i in 0..<n { for j in 0..<(s * s) { let k = (i * c + ch) * s * s + j; pixels[k] = Float((Double(pixels[k]) - mean) / std) } }
        }
        guard !pixels.contains(where: { !$0.isFinite }) else { throw DataError(description: "\(directory.path): non-finite crop values") }
        return CropDataset(count: n, channels: c, size: s, pixels: pixels,
                           labels: cells.rows.map { $0[labelIndex] },
                           compounds: cells.rows.map { row in compoundIndex.map { row[$0] } ?? "" }, store: store)
    }

    public func crop(_ i: Int) -> ArraySlice<Float> {
        let n = channels * size * size
        return pixels[(i * n)..<((i + 1) * n)]
    }
}

/// One random view of a crop: random-resized crop (area scale range) to `outSize` by
/// nearest-neighbour sampling, flips, 90° rotations, per-channel intensity jitter, channel drop.
struct ViewMaker {
    let augmentation: TrainConfig.Augmentation

    func view(_ src: ArraySlice<Float>, channels c: Int, size s: Int, outSize o: Int,
              scale: (Double, Double), rng: inout SeededRandom) -> [Float] {
        let area = rng.uniformDouble(scale.0, scale.1)
        let side = max(1, min(s, Int((area.squareRoot() * Double(s)).rounded())))
        let y0 = side < s ? Int(rng.next() % UInt64(s - side + 1)) : 0
        let x0 = side < s ? Int(rng.next() % UInt64(s - side + 1)) : 0
        let flipX = augmentation.flips && rng.next() & 1 == 1
        let flipY = augmentation.flips && rng.next() & 1 == 1
        let rot = augmentation.rotate90 ? Int(rng.next() % 4) : 0
        let gains = (0..<c).map { _ in Float(exp(Double(augmentation.intensityJitter) * Double(rng.normal()))) }
        let drop = augmentation.channelDrop > 0 && c > 1 && rng.uniformDouble() < augmentation.channelDrop ? Int(rng.next() % UInt64(c)) : -1
        var out = [Float](repeating: 0, count: c * o * o)
        let base = src.startIndex
        for y in 0..<o {
            for x in 0..<o {
                var (u, v) = (x, y)
                for _ in 0..<rot { (u, v) = (o - 1 - v, u) }
                if flipX { u = o - 1 - u }
                if flipY { v = o - 1 - v }
                let sy = y0 + min(side - 1, v * side / o), sx = x0 + min(side - 1, u * side / o)
                for ch in 0..<c where ch != drop {
                    out[(ch * o + y) * o + x] = src[base + (ch * s + sy) * s + sx] * gains[ch]
                }
            }
        }
        return out
    }

    /// Centre crop or zero-pad to `o` (evaluation and embedding: no randomness).
    static func center(_ src: ArraySlice<Float>, channels c: Int, size s: Int, outSize o: Int) -> [Float] {
        if o == s { return Array(src) }
        var out = [Float](repeating: 0, count: c * o * o)
        let off = (s - o) / 2, base = src.startIndex
        for ch in 0..<c {
            for y in 0..<o {
                for x in 0..<o {
                    let sy = y + off, sx = x + off
                    if sy >= 0 && sy < s && sx >= 0 && sx < s { out[(ch * o + y) * o + x] = src[base + (ch * s + sy) * s + sx] }
                }
            }
        }
        return out
    }
}
