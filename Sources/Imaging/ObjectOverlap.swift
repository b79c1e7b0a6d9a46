/// The overlaps between the objects of a predicted and a true label image (0 = background),
/// counted in one pass over the pixels, from which matches at any IoU threshold follow
/// without another pass: the basis of `SegmentationScore` and of the Data Science Bowl 2018
/// metric (`dsbScore`), the mean over IoU thresholds 0.5, 0.55, ..., 0.95 of
/// TP / (TP + FP + FN).
public struct ObjectOverlap: Sendable {
    /// One overlapping (predicted, true) pair and its intersection over union.
    public struct Pair: Sendable, Equatable {
        public var predicted: Int32
        public var truth: Int32
        public var iou: Double
    }

    public let predictedCount: Int
    public let truthCount: Int
    /// Every overlapping pair, highest IoU first (ties by labels), so greedy matching is
    /// deterministic; above IoU 0.5 it is also the only matching possible.
    public let pairs: [Pair]

    /// The IoU thresholds of the Data Science Bowl 2018 metric.
    public static let dsbThresholds: [Double] = (0..<10).map { Double(50 + 5 * $0) / 100 }

    public init(predicted: Image<Int32>, truth: Image<Int32>) {
        precondition(predicted.width == truth.width && predicted.height == truth.height)
        var overlap: [Int64: Int] = [:]
        var areaP: [Int32: Int] = [:], areaT: [Int32: Int] = [:]
        for i in predicted.pixels.indices {
            let p = predicted.pixels[i], t = truth.pixels[i]
            if p != 0 { areaP[p, default: 0] += 1 }
            if t != 0 { areaT[t, default: 0] += 1 }
            if p != 0 && t != 0 { overlap[Int64(p) << 32 | Int64(UInt32(bitPattern: t)), default: 0] += 1 }
        }
        pairs = overlap.map { key, inter in
            let p = Int32(truncatingIfNeeded: key >> 32), t = Int32(truncatingIfNeeded: key)
            return Pair(predicted: p, truth: t, iou: Double(inter) / Double(areaP[p, default: 0] + areaT[t, default: 0] - inter))
        }.sorted { ($0.iou, $1.predicted, $1.truth) > ($1.iou, $0.predicted, $0.truth) }
        predictedCount = areaP.count
        truthCount = areaT.count
    }

    /// Greedy one-to-one matching of pairs whose IoU exceeds `threshold`, best pairs first.
    public func score(threshold: Double) -> SegmentationScore {
        var matchedP = Set<Int32>(), matchedT = Set<Int32>()
        var iouSum = 0.0
        for pair in pairs {
            guard pair.iou > threshold else { break }
            guard !matchedP.contains(pair.predicted), !matchedT.contains(pair.truth) else { continue }
            matchedP.insert(pair.predicted); matchedT.insert(pair.truth); iouSum += pair.iou
        }
        return SegmentationScore(truePositives: matchedP.count, falsePositives: predictedCount - matchedP.count,
                                 falseNegatives: truthCount - matchedT.count,
                                 meanMatchedIoU: matchedP.isEmpty ? 0 : iouSum / Double(matchedP.count))
    }

    /// The Data Science Bowl 2018 score of this image: the mean over `dsbThresholds` of
    /// TP / (TP + FP + FN).
    public var dsbScore: Double {
        let fractions = dsbMatchedFractions
        return fractions.reduce(0, +) / Double(fractions.count)
    }

    /// TP / (TP + FP + FN) at each of `dsbThresholds`.
    public var dsbMatchedFractions: [Double] { Self.dsbThresholds.map { score(threshold: $0).matchedFraction } }
}
