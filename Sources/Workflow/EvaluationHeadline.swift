import Core
import Foundation
import Profiling

/// The headline figures of an `evaluation.json` (written by `ProfileEvaluation`), as a typed
/// value: what a run's summary prints. A figure that could not be computed is null there and
/// nil here; so is an interval of an evaluation written before intervals existed.
public struct EvaluationHeadline: Codable, Equatable, Sendable {
    public var nsc: Double?
    public var nscb: Double?
    public var mapMoA: Double?
    public var treatments: Int?
    public var moas: Int?
    /// 95 % bootstrap intervals over treatments (`TreatmentBootstrap`).
    public var nscInterval: ConfidenceInterval?
    public var nscbInterval: ConfidenceInterval?
    public var mapMoAInterval: ConfidenceInterval?

    enum CodingKeys: String, CodingKey {
        case nsc, nscb, mapMoA = "map_moa", treatments = "n_treatments", moas = "n_moas"
        case nscInterval = "nsc_ci", nscbInterval = "nscb_ci", mapMoAInterval = "map_moa_ci"
    }

    public init(nsc: Double?, nscb: Double?, mapMoA: Double?, treatments: Int? = nil, moas: Int? = nil,
                nscInterval: ConfidenceInterval? = nil, nscbInterval: ConfidenceInterval? = nil,
                mapMoAInterval: ConfidenceInterval? = nil) {
        (self.nsc, self.nscb, self.mapMoA, self.treatments, self.moas) = (nsc, nscb, mapMoA, treatments, moas)
        (self.nscInterval, self.nscbInterval, self.mapMoAInterval) = (nscInterval, nscbInterval, mapMoAInterval)
    }

    /// Reads `<directory>/evaluation.json`.
    public static func load(_ directory: URL) throws -> EvaluationHeadline {
        let url = directory.appendingPathComponent("evaluation.json")
        guard let data = try? Data(contentsOf: url) else { throw PipelineError(message: "\(url.path): missing; the evaluate stage has not run") }
        do { return try JSONDecoder().decode(EvaluationHeadline.self, from: data) } catch {
            throw PipelineError(message: "\(url.path): not an evaluation summary (\(error))")
        }
    }

    /// `NSC 0.486 [0.405, 0.568]  NSCB 0.400 [...]  mAP 0.442 [...]`, `n/a` where a figure
    /// is missing, no brackets where its interval is.
    public var figures: String {
        func f(_ v: Double?, _ i: ConfidenceInterval?) -> String {
            (v.map { String(format: "%.3f", $0) } ?? "n/a") + (i.map { " \($0.text)" } ?? "")
        }
        return "NSC \(f(nsc, nscInterval))  NSCB \(f(nscb, nscbInterval))  mAP \(f(mapMoA, mapMoAInterval))"
    }

    /// The same figures as a row of a report's comparison table.
    public func comparisonRow(_ label: String) -> EvaluationReport.ComparisonRow {
        .init(label: label, nsc: nsc, nscb: nscb, mapMoA: mapMoA,
              nscInterval: nscInterval, nscbInterval: nscbInterval, mapMoAInterval: mapMoAInterval)
    }
}
