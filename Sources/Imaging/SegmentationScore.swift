/// Matching of predicted objects to ground truth at an IoU threshold, the usual nuclei
/// segmentation score: a predicted object matches a true one when their intersection over
/// union exceeds `threshold` (above 0.5 a match is unique both ways). `ObjectOverlap` does
/// the overlap pass; build one directly to score several thresholds from a single pass.
public struct SegmentationScore: Sendable, Equatable {
    public var truePositives: Int
    public var falsePositives: Int
    public var falseNegatives: Int
    /// Mean IoU over matched pairs.
    public var meanMatchedIoU: Double

    public var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
    public var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    /// TP / (TP + FP + FN), what the Data Science Bowl 2018 metric averages over IoU
    /// thresholds (it calls it the precision at a threshold); 1 when there is nothing to find
    /// and nothing was found.
    public var matchedFraction: Double {
        let all = truePositives + falsePositives + falseNegatives
        return all == 0 ? 1 : Double(truePositives) / Double(all)
    }

    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0, meanMatchedIoU: Double = 0) {
        self.truePositives = truePositives; self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives; self.meanMatchedIoU = meanMatchedIoU
    }

    public init(predicted: Image<Int32>, truth: Image<Int32>, threshold: Double = 0.5) {
        self = ObjectOverlap(predicted: predicted, truth: truth).score(threshold: threshold)
    }

    /// Sums counts (and IoU weighted by matches) over sites.
    public static func + (a: SegmentationScore, b: SegmentationScore) -> SegmentationScore {
        let tp = a.truePositives + b.truePositives
        return SegmentationScore(truePositives: tp, falsePositives: a.falsePositives + b.falsePositives,
                                 falseNegatives: a.falseNegatives + b.falseNegatives,
                                 meanMatchedIoU: tp == 0 ? 0 : (a.meanMatchedIoU * Double(a.truePositives) + b.meanMatchedIoU * Double(b.truePositives)) / Double(tp))
    }
}
