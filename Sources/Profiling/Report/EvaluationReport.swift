import Core
import Foundation
import Screen

/// The evaluation report: one self-contained HTML page (inline CSS and SVG, no script, no
/// URL of any kind, so it opens offline) plus every figure as a standalone SVG file in
/// `figures/` beside it.
///
/// Contents: the headline figures; UMAP maps of the treatment profiles (by MoA and batch)
/// and of the well profiles side by side by MoA, plate and batch, so a batch or plate
/// effect is seen next to the MoA structure; the treatment correlation matrix ordered by
/// MoA; per-MoA NSC, NSCB and mAP; the NSC confusion matrix; each treatment's five most
/// similar treatments of other compounds with hit or miss; the most outlying treatments
/// and wells (`OutlierScores`); and, given a `qc.csv`, the sites QC flagged per plate and
/// kind. Lists are complete, so the page stays usable with a few hundred treatments.
public struct EvaluationReport: Sendable {
    public struct Options: Sendable {
        public var title = "Phenoscope evaluation"
        /// Sites flagged by QC (from qc.csv), summarized per plate.
        public var qc: QCSummary?
        /// UMAP for the maps; PCA when false.
        public var umap = true
        public var seed: UInt64 = 42
        /// Neighbours listed per treatment.
        public var neighbours = 5
        /// Other evaluations of the same screen shown beside this one in the figures table
        /// (a run's ceilings: oracle, ground-truth masks; the profiles without feature
        /// selection), each with its bootstrap intervals.
        public var comparison: [ComparisonRow] = []
        public init() {}
    }

    /// One evaluation's headline figures, for the comparison table.
    public struct ComparisonRow: Sendable, Equatable {
        public var label: String
        public var nsc: Double?
        public var nscb: Double?
        public var mapMoA: Double?
        public var nscInterval: ConfidenceInterval?
        public var nscbInterval: ConfidenceInterval?
        public var mapMoAInterval: ConfidenceInterval?
        public init(label: String, nsc: Double?, nscb: Double?, mapMoA: Double?,
                    nscInterval: ConfidenceInterval? = nil, nscbInterval: ConfidenceInterval? = nil,
                    mapMoAInterval: ConfidenceInterval? = nil) {
            self.label = label
            (self.nsc, self.nscb, self.mapMoA) = (nsc, nscb, mapMoA)
            (self.nscInterval, self.nscbInterval, self.mapMoAInterval) = (nscInterval, nscbInterval, mapMoAInterval)
        }
    }

    /// One figure: `name` is its file stem in figures/, `svg` the standalone SVG text.
    public struct Figure: Sendable {
        public var name: String
        public var heading: String
        public var caption: String
        public var svg: String
        /// The same SVG for inlining in HTML, where the namespace declaration is implied.
        public var inlineSVG: String {
            svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        }
    }

    public let options: Options
    public let figures: [Figure]
    /// HTML sections (tables) in page order, after the figures they belong with.
    let sections: [(after: String, html: String)]
    let headline: String

    public init(_ e: ProfileEvaluation, options: Options = Options()) throws {
        self.options = options
        var figures: [Figure] = []
        var sections: [(after: String, html: String)] = []
        headline = Self.figuresTable(e) + Self.comparisonTable(options.comparison)
        let l = e.labels

        // Maps.
        if e.treatments.rowCount >= 3 {
            let map = try ProfileMap(e.treatments, umap: options.umap, seed: options.seed)
            var panels = [ScatterPlot.Panel(title: "treatments by MoA", values: l.isDMSO.indices.map { l.isDMSO[$0] ? "DMSO" : l.moa[$0] })]
            if let b = try? e.treatments.metadataValues(TreatmentLabels.batchColumn) {
                panels.append(.init(title: "treatments by batch", values: b))
            }
            var plot = ScatterPlot(x: map.x, y: map.y, names: (0..<l.count).map { l.treatment($0) }, panels: panels)
            plot.axisNames = map.axisNames
            figures.append(Figure(name: "map_treatments", heading: "\(map.method == .umap ? "UMAP" : "PCA") of treatment profiles",
                                  caption: "One point per treatment (compound at a concentration), \(map.method == .umap ? "UMAP on cosine distance, 15 neighbours" : "first two principal components"); DMSO in grey. Hover a point for its name.",
                                  svg: plot.svg(standalone: true)))
        }
        if let wells = e.wells, wells.rowCount >= 3 {
            let map = try ProfileMap(wells, umap: options.umap, seed: options.seed)
            let wl = try TreatmentLabels(wells, requireMoA: false)
            var panels = [ScatterPlot.Panel(title: "wells by MoA", values: wl.isDMSO.indices.map { wl.isDMSO[$0] ? "DMSO" : wl.moa[$0] })]
            for (column, title) in [("Metadata_Plate", "wells by plate"), (TreatmentLabels.batchColumn, "wells by batch")] {
                if let v = try? wells.metadataValues(column) { panels.append(.init(title: title, values: v)) }
            }
            let plates = (try? wells.metadataValues("Metadata_Plate")) ?? Array(repeating: "", count: wells.rowCount)
            let positions = (try? wells.metadataValues("Metadata_Well")) ?? Array(repeating: "", count: wells.rowCount)
            var plot = ScatterPlot(x: map.x, y: map.y, names: (0..<wl.count).map { "\(plates[$0]) \(positions[$0]) \(wl.treatment($0))" }, panels: panels)
            plot.axisNames = map.axisNames
            figures.append(Figure(name: "map_wells", heading: "\(map.method == .umap ? "UMAP" : "PCA") of well profiles by MoA, plate and batch",
                                  caption: "The same coordinates coloured three ways. Wells that cluster by plate or batch rather than by MoA show a batch effect that normalization should remove.",
                                  svg: plot.svg(standalone: true)))
        }

        // Correlation matrix ordered by MoA.
        let ordered = stableSorted(l.moaRows) { (l.moa[$0], l.compound[$0]) < (l.moa[$1], l.compound[$1]) }
        if ordered.count >= 2 {
            figures.append(Figure(name: "correlation", heading: "Correlation of treatment profiles, ordered by MoA",
                                  caption: "Pearson correlation between treatment profiles (DMSO left out), grouped by MoA; a MoA whose treatments resemble each other forms a red block on the diagonal.",
                                  svg: Self.correlation(e.treatments, rows: ordered, labels: l).svg(standalone: true)))
        }

        // Per-MoA figures and confusion.
        let perMoA = e.perMoATable()
        let moas = perMoA.rows.map { $0[0] }
        func column(_ name: String) -> [Double?] {
            let c = perMoA.column(name)!
            return perMoA.rows.map { Double($0[c]) }
        }
        var series = [BarChart.Series(name: "NSC", color: "#1f77b4", values: column("nsc_accuracy"))]
        if e.nscb != nil { series.append(.init(name: "NSCB", color: "#ff7f0e", values: column("nscb_accuracy"))) }
        series.append(.init(name: "mAP (same MoA)", color: "#2ca02c", values: column("map")))
        var bars = BarChart(rows: moas.map { m in "\(m) (\(perMoA.rows.first { $0[0] == m }![1]))" }, series: series, maxValue: 1)
        bars.axisTitle = "accuracy / mean average precision"
        figures.append(Figure(name: "per_moa", heading: "Per-MoA accuracy",
                              caption: "For each MoA (number of treatments in brackets): the share of its treatments whose nearest other-compound treatment has the same MoA (NSC), also from another batch (NSCB), and copairs mAP of same-MoA retrieval.",
                              svg: bars.svg(standalone: true)))
        sections.append(("per_moa", Self.table(perMoA)))
        figures.append(Figure(name: "confusion", heading: "NSC confusion matrix",
                              caption: "Rows: true MoA; columns: the MoA of the nearest other-compound treatment; shade = share of the row.",
                              svg: Self.confusion(e).svg(standalone: true)))

        // Neighbours, outliers, QC.
        sections.append(("confusion", try Self.neighbours(e, count: options.neighbours)))
        sections.append(("confusion", try Self.outliers(e)))
        if let qc = options.qc {
            figures.append(Figure(name: "qc", heading: "Quality control: sites flagged per plate",
                                  caption: "\(qc.flaggedCount) of \(qc.siteCount) sites flagged; the share of each plate's sites flagged, by kind of defect.",
                                  svg: qc.chart().svg(standalone: true)))
            sections.append(("qc", Self.qcTable(qc)))
        }
        self.figures = figures
        self.sections = sections
    }

    /// The page (convenience for callers that only want the HTML).
    public static func html(_ e: ProfileEvaluation, title: String) throws -> String {
        var o = Options()
        o.title = title
        return try EvaluationReport(e, options: o).html()
    }

    public func html() -> String {
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"/><title>\(Markup.escape(options.title))</title>
        <style>
        body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:1.5em 2em;color:#222;max-width:1500px}
        h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:3px}
        table{border-collapse:collapse;margin:0.6em 0}
        td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;font-size:12px}
        th{background:#f3f3f3}
        td.l,th.l{text-align:left}
        .hit{background:#e6f4e6}
        .miss{background:#fbe4e4}
        .fig{overflow-x:auto}
        .cap{color:#555;font-size:13px;max-width:60em}
        nav a{margin-right:1em}
        </style></head><body>
        <h1>\(Markup.escape(options.title))</h1>

        """
        out += "<nav>" + figures.map { "<a href=\"#\($0.name)\">\(Markup.escape($0.heading))</a>" }.joined()
            + "<a href=\"#neighbours\">Nearest neighbours</a><a href=\"#outliers\">Outliers</a></nav>\n"
        out += "<h2>Figures</h2>\n" + headline
        for f in figures {
            out += "<h2 id=\"\(f.name)\">\(Markup.escape(f.heading))</h2>\n<p class=\"cap\">\(Markup.escape(f.caption))</p>\n"
            out += "<div class=\"fig\">\(f.inlineSVG)</div>\n"
            for s in sections where s.after == f.name { out += s.html }
        }
        for s in sections where !figures.contains(where: { $0.name == s.after }) { out += s.html }
        return out + "</body></html>\n"
    }

    /// Writes report.html and figures/<name>.svg into `dir`, each atomically.
    public func write(to dir: URL) throws {
        for f in figures {
            try AtomicFile.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + f.svg + "\n",
                                 to: dir.appendingPathComponent("figures/\(f.name).svg"))
        }
        try AtomicFile.write(html(), to: dir.appendingPathComponent("report.html"))
    }

    // MARK: pieces

    static func figuresTable(_ e: ProfileEvaluation) -> String {
        let fmt = Markup.fmt
        func ci(_ i: ConfidenceInterval?) -> String {
            i.map { "  95 % CI \($0.text)" } ?? ""
        }
        var rows: [(String, String)] = [
            ("input level", e.inputLevel.rawValue),
            ("treatments evaluated", String(e.labels.moaRows.count)),
            ("MoAs", String(Set(e.labels.moaRows.map { e.labels.moa[$0] }).count)),
            ("NSC", fmt(e.nsc.accuracy) + ci(e.nscInterval)),
            ("NSCB", fmt(e.nscb?.accuracy) + ci(e.nscbInterval)),
        ]
        for (k, a) in zip(e.nsc.topK, e.nsc.topKAccuracy) where k > 1 { rows.append(("NSC top-\(k)", fmt(a))) }
        rows += [
            ("mAP same MoA", fmt(e.moaAP.meanAveragePrecision) + ci(e.mapMoAInterval)),
            ("mAP same MoA, normalized", fmt(e.moaAP.meanNormalizedAveragePrecision)),
            ("mAP replicate", fmt(e.replicateMAP?.meanOfGroups)),
            ("linear probe accuracy", fmt(e.probe?.accuracy)),
            ("random forest accuracy", fmt(e.forest?.accuracy)),
        ]
        if e.bootstrapResamples > 0 {
            rows.append(("95 % CI", "percentile bootstrap over treatments, \(e.bootstrapResamples) resamples"))
        }
        return "<table>" + rows.map { "<tr><th class=\"l\">\(Markup.escape($0.0))</th><td>\(Markup.escape($0.1))</td></tr>" }.joined() + "</table>\n"
    }

    /// The comparison rows as a table: figure and 95 % interval per column.
    static func comparisonTable(_ rows: [ComparisonRow]) -> String {
        guard !rows.isEmpty else { return "" }
        func cell(_ v: Double?, _ i: ConfidenceInterval?) -> String {
            "<td>\(Markup.fmt(v))\(i.map { " <span class=\"cap\">\(Markup.escape($0.text))</span>" } ?? "")</td>"
        }
        var s = "<h3>Beside other profiles of this screen</h3>\n<p class=\"cap\">Each figure with its 95 % bootstrap interval over treatments. Where two intervals overlap, the difference is not established.</p>\n"
        s += "<table><tr><th class=\"l\">profiles</th><th>NSC</th><th>NSCB</th><th>mAP same MoA</th></tr>"
        for r in rows {
            s += "<tr><th class=\"l\">\(Markup.escape(r.label))</th>" + cell(r.nsc, r.nscInterval) + cell(r.nscb, r.nscbInterval)
                + cell(r.mapMoA, r.mapMoAInterval) + "</tr>"
        }
        return s + "</table>\n"
    }

    static func table(_ csv: CSVTable) -> String {
        var s = "<table><tr>" + csv.header.map { "<th class=\"l\">\(Markup.escape($0))</th>" }.joined() + "</tr>"
        for r in csv.rows {
            s += "<tr>" + r.enumerated().map { i, v in
                let cls = i == 0 || Double(v) == nil ? " class=\"l\"" : ""
                let shown = Int(v) != nil ? v : Double(v).map { Markup.fmt($0) } ?? v
                return "<td\(cls)>\(Markup.escape(shown))</td>"
            }.joined() + "</tr>"
        }
        return s + "</table>\n"
    }

    static func correlation(_ t: ProfileTable, rows: [Int], labels l: TreatmentLabels) -> MatrixHeatmap {
        let d = t.featureCount
        // Pearson correlation = cosine of the mean-centred rows.
        let centred: [[Double]] = rows.map { r in
            let v = Array(t.row(r))
            let mean = v.reduce(0, +) / Double(d)
            let c = v.map { $0 - mean }
            let norm = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return c.map { norm > 0 ? $0 / norm : 0 }
        }
        var colors = [[(UInt8, UInt8, UInt8)]](repeating: [], count: rows.count)
        var tips = [[String]](repeating: [], count: rows.count)
        for i in rows.indices {
            for j in rows.indices {
                var s = 0.0
                for k in 0..<d { s += centred[i][k] * centred[j][k] }
                colors[i].append(ColorPalette.diverging(s))
                tips[i].append("\(l.treatment(rows[i])) / \(l.treatment(rows[j])): \(String(format: "%.3f", s))")
            }
        }
        let names = rows.map { l.treatment($0) }
        var h = MatrixHeatmap(rowLabels: names, columnLabels: names, colors: colors)
        h.tooltips = tips
        h.rowGroups = rows.map { l.moa[$0] }
        h.columnGroups = h.rowGroups
        h.colorBar = ("correlation", [-1.0, -0.5, 0, 0.5, 1].map { (String(format: "%.1f", $0), ColorPalette.diverging($0)) })
        return h
    }

    static func confusion(_ e: ProfileEvaluation) -> MatrixHeatmap {
        let (moas, counts) = e.nsc.confusion(labels: e.labels)
        let shares = counts.map { row -> [Double] in
            let total = Double(max(1, row.reduce(0, +)))
            return row.map { Double($0) / total }
        }
        var h = MatrixHeatmap(rowLabels: moas, columnLabels: moas,
                              colors: shares.map { $0.map { ColorPalette.diverging(-0.85 * $0) } })
        h.cellText = counts.map { $0.map { $0 == 0 ? "" : String($0) } }
        h.tooltips = moas.indices.map { i in moas.indices.map { j in "\(moas[i]) -> \(moas[j]): \(counts[i][j]) of \(counts[i].reduce(0, +))" } }
        h.colorBar = ("share of row", [0.0, 0.25, 0.5, 0.75, 1].map { (String(format: "%.0f%%", 100 * $0), ColorPalette.diverging(-0.85 * $0)) })
        h.maxSide = 520
        return h
    }

    /// Each treatment's `count` most similar treatments of other compounds (the NSC candidates).
    static func neighbours(_ e: ProfileEvaluation, count: Int) throws -> String {
        let l = e.labels
        let nn = try NearestNeighborMoA(labels: l, similarity: CosineSimilarity(e.treatments), mode: .nsc, topK: [max(1, count)])
        let sim = try CosineSimilarity(e.treatments)
        var s = "<h2 id=\"neighbours\">Nearest neighbours of each treatment</h2>\n<p class=\"cap\">The \(count) most similar treatments of other compounds (cosine similarity), green where the MoA matches, red where it does not; the first column is the NSC neighbour.</p>\n"
        s += "<table><tr><th class=\"l\">treatment</th><th class=\"l\">MoA</th>" + (1...max(1, count)).map { "<th class=\"l\">\($0)</th>" }.joined() + "</tr>"
        let order = stableSorted(nn.neighbors) { (l.moa[$0.query], l.compound[$0.query]) < (l.moa[$1.query], l.compound[$1.query]) }
        for n in order {
            let q = n.query
            s += "<tr><td class=\"l\">\(Markup.escape(l.treatment(q)))</td><td class=\"l\">\(Markup.escape(l.moa[q]))</td>"
            for m in n.ranked {
                let hit = l.moa[m] == l.moa[q]
                s += "<td class=\"l \(hit ? "hit" : "miss")\">\(Markup.escape(l.treatment(m))) <small>\(Markup.escape(l.moa[m])) \(String(format: "%.3f", sim[q, m]))</small></td>"
            }
            s += String(repeating: "<td></td>", count: max(0, count - n.ranked.count)) + "</tr>"
        }
        return s + "</table>\n"
    }

    static func outliers(_ e: ProfileEvaluation) throws -> String {
        var s = "<h2 id=\"outliers\">Outliers</h2>\n<p class=\"cap\">Ranked by cosine distance to the nearest other profile (k-NN distance); robust z = (distance - median) / (1.4826 MAD) over all rows.</p>\n"
        if e.treatments.rowCount >= 2 {
            let o = try OutlierScores(e.treatments, k: 1)
            let l = try TreatmentLabels(e.treatments, requireMoA: false)
            s += "<h3>Treatments</h3><table><tr><th class=\"l\">treatment</th><th class=\"l\">MoA</th><th>distance</th><th>robust z</th></tr>"
            for r in o.ranking.prefix(15) {
                s += "<tr><td class=\"l\">\(Markup.escape(l.treatment(r)))</td><td class=\"l\">\(Markup.escape(l.moa[r]))</td><td>\(Markup.fmt(o.scores[r]))</td><td>\(Markup.fmt(o.robustZ[r]))</td></tr>"
            }
            s += "</table>\n"
        }
        if let w = e.wells, w.rowCount >= 2 {
            let o = try OutlierScores(w, k: 1)
            let l = try TreatmentLabels(w, requireMoA: false)
            let plate = (try? w.metadataValues("Metadata_Plate")) ?? Array(repeating: "", count: w.rowCount)
            let well = (try? w.metadataValues("Metadata_Well")) ?? Array(repeating: "", count: w.rowCount)
            s += "<h3>Wells</h3><table><tr><th class=\"l\">plate</th><th class=\"l\">well</th><th class=\"l\">treatment</th><th class=\"l\">MoA</th><th>distance</th><th>robust z</th></tr>"
            for r in o.ranking.prefix(15) {
                s += "<tr><td class=\"l\">\(Markup.escape(plate[r]))</td><td class=\"l\">\(Markup.escape(well[r]))</td><td class=\"l\">\(Markup.escape(l.treatment(r)))</td><td class=\"l\">\(Markup.escape(l.moa[r]))</td><td>\(Markup.fmt(o.scores[r]))</td><td>\(Markup.fmt(o.robustZ[r]))</td></tr>"
            }
            s += "</table>\n"
        }
        return s
    }

    static func qcTable(_ qc: QCSummary) -> String {
        var s = "<table><tr><th class=\"l\">plate</th><th>sites</th><th>flagged</th>" + qc.kinds.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr>"
        for p in qc.plates {
            s += "<tr><td class=\"l\">\(Markup.escape(p.plate))</td><td>\(p.sites)</td><td>\(p.flaggedTotal)</td>"
                + qc.kinds.map { "<td>\(p.flagged[$0] ?? 0)</td>" }.joined() + "</tr>"
        }
        return s + "</table>\n"
    }
}
