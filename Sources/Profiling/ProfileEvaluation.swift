import Core
import Foundation
import Screen

/// Every MoA-evaluation figure for one profile table: NSC, NSCB, top-k, per-MoA accuracy,
/// confusion, MoA mAP (copairs) with p-values, replicate mAP (copairs) for well-level
/// input, and the leave-compound-out linear probe.
///
/// Input level: a table is well-level when some treatment (compound, concentration) has
/// more than one row, treatment-level otherwise (`Level.auto`). Well-level tables are
/// aggregated to treatments (mean by default; see `Aggregation` for how batches become a
/// set) before the treatment figures; at treatment level aggregation is the identity.
///
/// Table order, which breaks similarity ties, is the order of the treatment rows; for
/// well-level input that is the order of each treatment's first well.
///
/// `map_moa` follows the issue's definition, which is copairs' average precision with
/// positives = same MoA and different compound, negatives = different MoA, over the MoA
/// rows (no DMSO, no empty MoA): the mean AP over queries that have a positive. Per-MoA
/// mAP and p-values are copairs' `mean_average_precision` grouped by MoA.
///
/// Replicate mAP (well-level only) is copairs' phenotypic-activity setting: each non-DMSO
/// well is a query, positives = the other wells of its treatment, negatives = DMSO wells
/// (`pos_sameby` = treatment + reference index, `neg_diffby` = compound + reference
/// index); `map_replicate` is the mean over treatments of their mAP, and
/// `replicate_fraction_significant` the share of treatments with BH-corrected p < 0.05.
public struct ProfileEvaluation: Sendable {
    public enum Level: String, Sendable, CaseIterable { case auto, well, treatment }

    public struct Options: Sendable {
        public var level: Level = .auto
        public var aggregation: Aggregation.Method = .mean
        public var topK: [Int] = [1, 5]
        public var nullSize: Int = 10_000
        /// The largest permutation null accepted (`--null-size`, `evaluation.null_size`):
        /// p-values below 1e-6 say nothing more, and the null is kept in memory.
        public static let maxNullSize = 1_000_000
        /// Largest random forest `--forest-trees` asks for: 1e9 trees ran until stopped.
        public static let maxForestTrees = 10_000
        /// Most bootstrap resamples (`--bootstrap`, `evaluation.bootstrap`): the resamples'
        /// draw lists are held at once (resamples x treatments), and intervals do not move
        /// past a few thousand.
        public static let maxBootstrapResamples = 100_000
        public var seed: UInt64 = 0
        public var linearProbe: Bool = true
        /// Trees of the random-forest probe; 0 skips it.
        public var forestTrees: Int = 100
        /// Bootstrap resamples of the treatments for the intervals of NSC, NSCB and mAP
        /// (`TreatmentBootstrap`, seeded with `seed`); 0 skips them.
        public var bootstrapResamples: Int = 1000
        /// Leave out the features that are NaN in some profile (`ProfileTable.droppingFeaturesWithNaN`,
        /// listed in `featuresLeftOut`) instead of refusing the table: what `evaluate` does
        /// with profiles from CellProfiler tables.
        public var leaveOutFeaturesWithNaN = false
        /// Told the name of each stage as it starts (for progress on a terminal).
        public var progress: (@Sendable (String) -> Void)?
        public init() {}
    }

    public let inputLevel: Level
    public let treatments: ProfileTable
    /// The well profiles evaluated, for well-level input (the report maps them).
    public let wells: ProfileTable?
    public let labels: TreatmentLabels
    public let nsc: NearestNeighborMoA
    public let nscb: NearestNeighborMoA?
    public let moaAP: AveragePrecision
    public let moaMAP: MeanAveragePrecision
    public let replicateAP: AveragePrecision?
    public let replicateMAP: MeanAveragePrecision?
    public let probe: ClassifierProbe?
    public let forest: ClassifierProbe?
    /// 95 % bootstrap intervals over treatments (see `TreatmentBootstrap`); nil when the
    /// bootstrap is off or the figure is undefined.
    public let nscInterval: ConfidenceInterval?
    public let nscbInterval: ConfidenceInterval?
    public let mapMoAInterval: ConfidenceInterval?
    public let bootstrapResamples: Int
    /// Features left out because they are NaN in some profile (`Options.leaveOutFeaturesWithNaN`).
    public let featuresLeftOut: [String]

    public init(_ input: ProfileTable, options: Options = Options()) throws {
        let (table, leftOut) = options.leaveOutFeaturesWithNaN ? input.droppingFeaturesWithNaN() : (input, [])
        guard table.featureCount > 0 else {
            throw ProfilingError("\(input.sourceDescription): every feature is NaN in some profile; none is left to compare profiles by")
        }
        featuresLeftOut = leftOut
        try table.requireFinite()
        guard options.topK.allSatisfy({ $0 >= 1 }) else { throw ProfilingError("--k values must be >= 1") }
        let inputLabels = try TreatmentLabels(table, requireMoA: true)
        var seen = Set<[String]>()
        var duplicated = false
        for r in 0..<table.rowCount where !seen.insert([inputLabels.compound[r], inputLabels.concentration[r]]).inserted {
            if options.level == .treatment {
                throw ProfilingError("\(table.rowOrigins[r]): treatment \(inputLabels.treatment(r)) appears twice in a treatment-level table")
            }
            duplicated = true
        }
        let level: Level = options.level == .auto ? (duplicated ? .well : .treatment) : options.level
        inputLevel = level
        wells = level == .well ? table : nil
        if level == .well {
            // A treatment's wells must agree on its MoA; aggregation would otherwise
            // silently turn the disagreement into a new "a;b" class.
            var firstMoA: [[String]: Int] = [:]
            for r in 0..<table.rowCount {
                let key = [inputLabels.compound[r], inputLabels.concentration[r]]
                if let f = firstMoA[key] {
                    guard inputLabels.moa[f] == inputLabels.moa[r] else {
                        throw ProfilingError("\(table.rowOrigins[r]): treatment \(inputLabels.treatment(r)) has MoA '\(inputLabels.moa[r])' but \(table.rowOrigins[f]) gives '\(inputLabels.moa[f])'")
                    }
                } else {
                    firstMoA[key] = r
                }
            }
            treatments = try Aggregation(keys: Aggregation.treatmentKeys, method: options.aggregation).apply(to: table)
        } else {
            treatments = table
        }
        labels = try TreatmentLabels(treatments)
        guard !labels.moaRows.isEmpty else {
            throw ProfilingError("\(table.sourceDescription): no treatment with a MoA other than DMSO to evaluate")
        }
        let progress = options.progress ?? { _ in }
        progress("nearest neighbours and MoA mAP over \(labels.moaRows.count) treatments")
        let sim = try CosineSimilarity(treatments)
        try Self.requireDistinctSimilarities(sim, rows: labels.moaRows, source: table.sourceDescription)
        nsc = try NearestNeighborMoA(labels: labels, similarity: sim, mode: .nsc, topK: options.topK)
        nscb = labels.batches == nil ? nil
            : try NearestNeighborMoA(labels: labels, similarity: sim, mode: .nscb, topK: options.topK)
        let l = labels
        moaAP = AveragePrecision(similarity: sim, rows: l.moaRows,
                                 isPositive: { l.moa[$0] == l.moa[$1] && l.compound[$0] != l.compound[$1] },
                                 isNegative: { l.moa[$0] != l.moa[$1] })
        moaMAP = MeanAveragePrecision(moaAP, groupOf: { l.moa[$0] }, nullSize: options.nullSize, seed: options.seed)
        guard (0...Options.maxBootstrapResamples).contains(options.bootstrapResamples) else {
            throw ProfilingError("bootstrap resamples: expected 0 to \(Options.maxBootstrapResamples), got \(options.bootstrapResamples)")
        }
        bootstrapResamples = options.bootstrapResamples
        if options.bootstrapResamples > 0 {
            let bootstrap = TreatmentBootstrap(resamples: options.bootstrapResamples, seed: options.seed)
            let draws = bootstrap.indices(count: l.moaRows.count)
            let values = Self.perTreatmentValues(rows: l.moaRows, nsc: nsc, nscb: nscb, ap: moaAP)
            nscInterval = TreatmentBootstrap.interval(values.nsc, indices: draws, level: bootstrap.level)
            nscbInterval = nscb == nil ? nil : TreatmentBootstrap.interval(values.nscb, indices: draws, level: bootstrap.level)
            mapMoAInterval = TreatmentBootstrap.interval(values.ap, indices: draws, level: bootstrap.level)
        } else {
            (nscInterval, nscbInterval, mapMoAInterval) = (nil, nil, nil)
        }
        if level == .well && inputLabels.isDMSO.contains(true) {
            progress("replicate mAP over \(table.rowCount) wells")
            let w = inputLabels
            let wellSim = try CosineSimilarity(table, lazy: true)
            let ap = AveragePrecision(
                similarity: wellSim, rows: Array(0..<table.rowCount),
                isPositive: { !w.isDMSO[$0] && !w.isDMSO[$1] && w.compound[$0] == w.compound[$1]
                    && w.concentration[$0] == w.concentration[$1] },
                isNegative: { w.isDMSO[$0] != w.isDMSO[$1] })
            replicateAP = ap
            replicateMAP = MeanAveragePrecision(ap, groupOf: { w.treatment($0) }, nullSize: options.nullSize,
                                                seed: options.seed)
        } else {
            replicateAP = nil
            replicateMAP = nil
        }
        if options.linearProbe { progress("linear probe, leave-one-compound-out") }
        probe = options.linearProbe ? ClassifierProbe(table: treatments, labels: labels) : nil
        if options.forestTrees > 0 { progress("random forest (\(options.forestTrees) trees), leave-one-compound-out") }
        forest = options.forestTrees > 0
            ? ClassifierProbe(table: treatments, labels: labels,
                              kind: .randomForest(trees: options.forestTrees, seed: options.seed))
            : nil
    }

    /// Each evaluated treatment's share of the three headline figures, in `rows` order: its
    /// NSC and NSCB hit (1 or 0) and its average precision; nil where the treatment is not
    /// counted in that figure (no candidate, no positive).
    static func perTreatmentValues(rows: [Int], nsc: NearestNeighborMoA, nscb: NearestNeighborMoA?, ap: AveragePrecision)
        -> (nsc: [Double?], nscb: [Double?], ap: [Double?]) {
        func hits(_ nn: NearestNeighborMoA?) -> [Double?] {
            let byRow = Dictionary(uniqueKeysWithValues: (nn?.neighbors ?? []).map { ($0.query, $0.hit ? 1.0 : 0.0) })
            return rows.map { byRow[$0] }
        }
        let apByRow = Dictionary(uniqueKeysWithValues: ap.queries.map { ($0.row, $0.averagePrecision) })
        return (hits(nsc), hits(nscb), rows.map { apByRow[$0] ?? nil })
    }

    /// Fails when every pair of the evaluated treatments is equally similar (constant
    /// features, or rows that differ only in scale): then each ranking is all ties, broken
    /// by table order, and NSC, NSCB and mAP would report that order as perfect retrieval.
    static func requireDistinctSimilarities(_ sim: CosineSimilarity, rows: [Int], source: String) throws {
        guard rows.count >= 2 else { return }
        var lo = Double.infinity, hi = -Double.infinity
        for (a, i) in rows.enumerated() {
            for j in rows[(a + 1)...] {
                let s = sim[i, j]
                lo = min(lo, s); hi = max(hi, s)
            }
        }
        guard hi - lo > 1e-9 else {
            throw ProfilingError("\(source): every pair of the \(rows.count) treatment profiles has cosine similarity \(String(format: "%.6f", hi)) (constant or proportional features); nearest neighbours and mAP would only reflect row order")
        }
    }

    // MARK: Reports

    /// The figures as one JSON-ready dictionary (snake_case keys; NSNull where a figure
    /// cannot be computed).
    public func summary() -> [String: Any] {
        func num(_ v: Double?) -> Any { v.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull() }
        func interval(_ i: ConfidenceInterval?) -> Any { i.map { [$0.lower, $0.upper] as Any } ?? NSNull() }
        var topK: [String: Any] = [:]
        for (k, a) in zip(nsc.topK, nsc.topKAccuracy) { topK[String(k)] = num(a) }
        var topKB: [String: Any] = [:]
        if let b = nscb { for (k, a) in zip(b.topK, b.topKAccuracy) { topKB[String(k)] = num(a) } }
        return [
            "input_level": inputLevel.rawValue,
            "n_treatments": labels.moaRows.count,
            "n_moas": Set(labels.moaRows.map { labels.moa[$0] }).count,
            "nsc": num(nsc.accuracy),
            "nsc_queries": nsc.queryCount,
            "nscb": num(nscb?.accuracy),
            "nscb_queries": nscb?.queryCount ?? 0,
            "top_k_nsc": topK,
            "top_k_nscb": nscb == nil ? NSNull() : topKB,
            "map_moa": num(moaAP.meanAveragePrecision),
            "nsc_ci": interval(nscInterval),
            "nscb_ci": interval(nscbInterval),
            "map_moa_ci": interval(mapMoAInterval),
            "bootstrap_resamples": bootstrapResamples,
            "map_moa_normalized": num(moaAP.meanNormalizedAveragePrecision),
            "map_moa_queries": moaAP.scored.count,
            "moa_fraction_significant": num(moaMAP.fractionSignificant),
            "map_replicate": num(replicateMAP?.meanOfGroups),
            "replicate_fraction_significant": num(replicateMAP?.fractionSignificant),
            "null_size": moaMAP.nullSize,
            "linear_probe_accuracy": num(probe?.accuracy),
            "random_forest_accuracy": num(forest?.accuracy),
            "features_left_out_nan": featuresLeftOut,
        ]
    }

    /// One line per MoA: queries, NSC/NSCB accuracy, mAP with p-values.
    public func perMoATable() -> CSVTable {
        let moas = Array(Set(labels.moaRows.map { labels.moa[$0] })).sorted()
        func acc(_ nn: NearestNeighborMoA?, _ moa: String) -> String {
            guard let nn else { return "" }
            let qs = nn.neighbors.filter { labels.moa[$0.query] == moa }
            return qs.isEmpty ? "" : String(Double(qs.filter(\.hit).count) / Double(qs.count))
        }
        let groups = Dictionary(uniqueKeysWithValues: moaMAP.groups.map { ($0.key, $0) })
        let rows = moas.map { m -> [String] in
            let g = groups[m]
            return [m, String(labels.moaRows.filter { labels.moa[$0] == m }.count), acc(nsc, m), acc(nscb, m),
                    g.map { String($0.meanAveragePrecision) } ?? "", g.map { String($0.meanNormalizedAveragePrecision) } ?? "",
                    g.map { String($0.pValue) } ?? "", g.map { String($0.correctedPValue) } ?? ""]
        }
        return CSVTable(header: ["Metadata_MoA", "n_treatments", "nsc_accuracy", "nscb_accuracy", "map",
                                     "map_normalized", "p_value", "corrected_p_value"], rows: rows)
    }

    /// NSC confusion: rows true MoA, columns predicted MoA.
    public func confusionTable() -> CSVTable {
        let (moas, counts) = nsc.confusion(labels: labels)
        return CSVTable(header: ["true_moa"] + moas,
                            rows: zip(moas, counts).map { [$0] + $1.map(String.init) })
    }

    /// Each query treatment's nearest other-compound neighbour (and other-batch one).
    public func neighborsTable() -> CSVTable {
        let b = Dictionary(uniqueKeysWithValues: (nscb?.neighbors ?? []).map { ($0.query, $0) })
        let rows = nsc.neighbors.map { n -> [String] in
            let q = n.query, m = n.neighbor
            var row = [labels.compound[q], labels.concentration[q], labels.moa[q],
                       labels.compound[m], labels.concentration[m], labels.moa[m], String(n.similarity),
                       n.hit ? "1" : "0"]
            if let nb = b[q] {
                row += [labels.compound[nb.neighbor], labels.concentration[nb.neighbor], labels.moa[nb.neighbor],
                        String(nb.similarity), nb.hit ? "1" : "0"]
            } else {
                row += ["", "", "", "", ""]
            }
            row.append(probe?.predictions[q] ?? "")
            row.append(forest?.predictions[q] ?? "")
            return row
        }
        return CSVTable(header: ["Metadata_Compound", "Metadata_Concentration", "Metadata_MoA",
                                     "nsc_neighbor_compound", "nsc_neighbor_concentration", "nsc_neighbor_moa",
                                     "nsc_similarity", "nsc_hit",
                                     "nscb_neighbor_compound", "nscb_neighbor_concentration", "nscb_neighbor_moa",
                                     "nscb_similarity", "nscb_hit", "linear_probe_prediction",
                                     "random_forest_prediction"], rows: rows)
    }

    /// Replicate mAP per treatment (empty without well-level input).
    public func replicateTable() -> CSVTable {
        CSVTable(header: ["treatment", "n_wells", "map", "map_normalized", "p_value", "corrected_p_value"],
                     rows: (replicateMAP?.groups ?? []).map {
                         [$0.key, String($0.queryCount), String($0.meanAveragePrecision),
                          String($0.meanNormalizedAveragePrecision), String($0.pValue), String($0.correctedPValue)]
                     })
    }

    /// The summary as JSON text (sorted keys, one object).
    public func summaryJSON(pretty: Bool = false) throws -> String {
        var opts: JSONSerialization.WritingOptions = [.sortedKeys]
        if pretty { opts.insert(.prettyPrinted) }
        let data = try JSONSerialization.data(withJSONObject: summary(), options: opts)
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes evaluation.json, per_moa.csv, confusion.csv, neighbors.csv and
    /// replicate_map.csv into `dir`, and the report (report.html and figures/*.svg, see
    /// `EvaluationReport`) into `reportDirectory` (default `dir`), each file atomically.
    public func write(to dir: URL, report: EvaluationReport.Options = .init(), reportDirectory: URL? = nil) throws {
        try writeTables(to: dir)
        try EvaluationReport(self, options: report).write(to: reportDirectory ?? dir)
    }

    /// Writes the result files of `write(to:)` but not the report (whose maps take time).
    public func writeTables(to dir: URL) throws {
        try AtomicFile.write(summaryJSON(pretty: true) + "\n", to: dir.appendingPathComponent("evaluation.json"))
        try perMoATable().write(to: dir.appendingPathComponent("per_moa.csv"))
        try confusionTable().write(to: dir.appendingPathComponent("confusion.csv"))
        try neighborsTable().write(to: dir.appendingPathComponent("neighbors.csv"))
        try replicateTable().write(to: dir.appendingPathComponent("replicate_map.csv"))
    }
}
