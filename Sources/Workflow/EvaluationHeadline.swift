import Foundation

/// The headline figures of an `evaluation.json` (written by `ProfileEvaluation`), as a typed
/// value: what a run's summary prints. A figure that could not be computed is null there and
/// nil here.
public struct EvaluationHeadline: Codable, Equatable, Sendable {
    public var nsc: Double?
    public var nscb: Double?
    public var mapMoA: Double?
    public var treatments: Int?
    public var moas: Int?

    enum CodingKeys: String, CodingKey { case nsc, nscb, mapMoA = "map_moa", treatments = "n_treatments", moas = "n_moas" }

    /// Reads `<directory>/evaluation.json`.
    public static func load(_ directory: URL) throws -> EvaluationHeadline {
        let url = directory.appendingPathComponent("evaluation.json")
        guard let data = try? Data(contentsOf: url) else { throw PipelineError(message: "\(url.path): missing; the evaluate stage has not run") }
        do { return try JSONDecoder().decode(EvaluationHeadline.self, from: data) } catch {
            throw PipelineError(message: "\(url.path): not an evaluation summary (\(error))")
        }
    }

    /// `NSC 0.486  NSCB 0.400  mAP 0.442`, `n/a` where a figure is missing.
    public var figures: String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "n/a" }
        return "NSC \(f(nsc))  NSCB \(f(nscb))  mAP \(f(mapMoA))"
    }
}
