import Foundation
import Core

/// Scores a nucleus segmentation method on annotated images (`AnnotatedNuclei`): per image
/// the counts at IoU 0.5, mean matched IoU and the Data Science Bowl 2018 score; over all
/// images the pooled F1, precision and recall at IoU 0.5 (counts summed over images) and the
/// DSB metric (the mean over images of each image's `ObjectOverlap.dsbScore`), plus the mean
/// over images at each DSB threshold. Images run in parallel; results keep the input order.
public enum NucleusEvaluation {
    /// One image's figures (snake_case when encoded).
    public struct ImageResult: Codable, Sendable, Equatable {
        public var id: String
        public var kind: AnnotatedNuclei.Kind
        public var width: Int
        public var height: Int
        public var trueNuclei: Int
        public var predictedNuclei: Int
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
        public var f1: Double
        public var meanMatchedIoU: Double
        public var dsbScore: Double
        /// Matched fraction TP / (TP + FP + FN) at each of `ObjectOverlap.dsbThresholds`.
        public var matchedFractions: [Double]
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case id, kind, width, height, trueNuclei = "true_nuclei", predictedNuclei = "predicted_nuclei",
                 truePositives = "tp_iou50", falsePositives = "fp_iou50", falseNegatives = "fn_iou50", f1 = "f1_iou50",
                 meanMatchedIoU = "mean_matched_iou", dsbScore = "dsb_score", matchedFractions = "matched_fractions",
                 seconds
        }
    }

    /// The figures over all images (snake_case when encoded).
    public struct Summary: Codable, Sendable, Equatable {
        public var images: Int
        public var trueNuclei: Int
        public var predictedNuclei: Int
        public var f1: Double
        public var precision: Double
        public var recall: Double
        public var meanMatchedIoU: Double
        public var dsbScore: Double
        public var thresholds: [Double]
        /// Mean over images of the matched fraction at each threshold.
        public var dsbByThreshold: [Double]
        /// Segmentation time summed over images (reading excluded).
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case images, trueNuclei = "true_nuclei", predictedNuclei = "predicted_nuclei", f1 = "f1_iou50",
                 precision = "precision_iou50", recall = "recall_iou50", meanMatchedIoU = "mean_matched_iou",
                 dsbScore = "dsb_score", thresholds, dsbByThreshold = "dsb_by_threshold", seconds
        }

        public init(_ results: [ImageResult]) {
            let pooled = results.reduce(SegmentationScore()) {
                $0 + SegmentationScore(truePositives: $1.truePositives, falsePositives: $1.falsePositives,
                                       falseNegatives: $1.falseNegatives, meanMatchedIoU: $1.meanMatchedIoU)
            }
            let n = Double(max(results.count, 1))
            images = results.count
            trueNuclei = results.reduce(0) { $0 + $1.trueNuclei }
            predictedNuclei = results.reduce(0) { $0 + $1.predictedNuclei }
            f1 = pooled.f1
            precision = pooled.precision
            recall = pooled.recall
            meanMatchedIoU = pooled.meanMatchedIoU
            dsbScore = results.reduce(0) { $0 + $1.dsbScore } / n
            thresholds = ObjectOverlap.dsbThresholds
            dsbByThreshold = thresholds.indices.map { t in results.reduce(0) { $0 + $1.matchedFractions[t] } / n }
            seconds = results.reduce(0) { $0 + $1.seconds }
        }
    }

    /// Segments every item with `segment` on `workers` threads and scores it against its labels.
    public static func run(_ items: [AnnotatedNuclei.Item], workers: Int,
                           segment: (Image<Float>) throws -> Image<Int32>,
                           progress: (() -> Void)? = nil) throws -> [ImageResult] {
        try parallelMap(items, workers: workers) { item in
            let start = DispatchTime.now().uptimeNanoseconds
            let predicted = try segment(item.image)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            defer { progress?() }
            return score(item, predicted: predicted, seconds: seconds)
        }
    }

    /// One image's figures from its predicted labels.
    public static func score(_ item: AnnotatedNuclei.Item, predicted: Image<Int32>, seconds: Double) -> ImageResult {
        let overlap = ObjectOverlap(predicted: predicted, truth: item.labels)
        let at50 = overlap.score(threshold: 0.5)
        let fractions = overlap.dsbMatchedFractions
        return ImageResult(id: item.id, kind: item.kind, width: item.image.width, height: item.image.height,
                           trueNuclei: overlap.truthCount, predictedNuclei: overlap.predictedCount,
                           truePositives: at50.truePositives, falsePositives: at50.falsePositives,
                           falseNegatives: at50.falseNegatives, f1: at50.f1, meanMatchedIoU: at50.meanMatchedIoU,
                           dsbScore: overlap.dsbScore, matchedFractions: fractions,
                           seconds: seconds)
    }
}
