import Foundation
import Screen

/// A self-contained HTML page (no scripts, no external files) presenting one evaluation:
/// the headline figures, per-MoA accuracy and mAP, the NSC confusion matrix as a
/// heatmap, a PCA map of the treatment profiles coloured by MoA (inline SVG), the most
/// outlying treatments (`OutlierScores`), and each treatment's nearest other-compound
/// neighbour.
public enum EvaluationReport {
    public static func html(_ e: ProfileEvaluation, title: String) throws -> String {
        var out = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;font-size:13px}
        th{background:#f3f3f3}td.l,th.l{text-align:left}
        .miss{color:#b00}
        </style></head><body>
        <h1>\(escape(title))</h1>

        """
        out += figures(e)
        out += perMoA(e)
        out += confusion(e)
        out += try pcaMap(e)
        out += try outliers(e)
        out += neighbours(e)
        out += "</body></html>\n"
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func fmt(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "n/a" }
        return String(format: "%.3f", v)
    }

    static func figures(_ e: ProfileEvaluation) -> String {
        var rows: [(String, String)] = [
            ("input level", e.inputLevel.rawValue),
            ("treatments evaluated", String(e.labels.moaRows.count)),
            ("NSC", fmt(e.nsc.accuracy)),
            ("NSCB", fmt(e.nscb?.accuracy)),
        ]
        for (k, a) in zip(e.nsc.topK, e.nsc.topKAccuracy) where k > 1 { rows.append(("NSC top-\(k)", fmt(a))) }
        rows += [
            ("mAP same MoA", fmt(e.moaAP.meanAveragePrecision)),
            ("mAP same MoA, normalized", fmt(e.moaAP.meanNormalizedAveragePrecision)),
            ("mAP replicate", fmt(e.replicateMAP?.meanOfGroups)),
            ("linear probe accuracy", fmt(e.probe?.accuracy)),
            ("random forest accuracy", fmt(e.forest?.accuracy)),
        ]
        return "<h2>Figures</h2><table>" + rows.map { "<tr><th class=l>\(escape($0.0))</th><td>\($0.1)</td></tr>" }.joined() + "</table>\n"
    }

    static func table(_ csv: CSVTable, heading: String) -> String {
        var s = "<h2>\(escape(heading))</h2><table><tr>" + csv.header.map { "<th class=l>\(escape($0))</th>" }.joined() + "</tr>"
        for r in csv.rows {
            s += "<tr>" + r.enumerated().map { i, v in
                let cls = i == 0 || Double(v) == nil ? " class=l" : ""
                let shown = Int(v) != nil ? v : Double(v).map { fmt($0) } ?? v
                return "<td\(cls)>\(escape(shown))</td>"
            }.joined() + "</tr>"
        }
        return s + "</table>\n"
    }

    static func perMoA(_ e: ProfileEvaluation) -> String {
        table(e.perMoATable(), heading: "Per MoA")
    }

    static func confusion(_ e: ProfileEvaluation) -> String {
        let (moas, counts) = e.nsc.confusion(labels: e.labels)
        var s = "<h2>NSC confusion (rows: true MoA, columns: neighbour's MoA)</h2><table><tr><th></th>"
        s += moas.map { "<th class=l>\(escape($0))</th>" }.joined() + "</tr>"
        for (i, row) in counts.enumerated() {
            let total = max(1, row.reduce(0, +))
            s += "<tr><th class=l>\(escape(moas[i]))</th>"
            for (j, c) in row.enumerated() {
                let share = Double(c) / Double(total)
                let hue = i == j ? 210 : 0
                s += "<td style=\"background:hsl(\(hue),70%,\(Int(100 - 45 * share))%)\">\(c)</td>"
            }
            s += "</tr>"
        }
        return s + "</table>\n"
    }

    static func pcaMap(_ e: ProfileEvaluation) throws -> String {
        let rows = e.labels.moaRows
        guard rows.count >= 3, e.treatments.featureCount >= 2 else { return "" }
        let sub = e.treatments.selectingRows(rows)
        let pca = try PCA(fitting: sub, components: 2)
        let scores = try pca.transform(sub)
        let xs = stride(from: 0, to: scores.count, by: 2).map { scores[$0] }
        let ys = stride(from: 1, to: scores.count, by: 2).map { scores[$0] }
        let (w, h, pad) = (640.0, 480.0, 20.0)
        func scale(_ v: Double, _ lo: Double, _ hi: Double, _ size: Double) -> Double {
            hi > lo ? pad + (v - lo) / (hi - lo) * (size - 2 * pad) : size / 2
        }
        let moas = Array(Set(rows.map { e.labels.moa[$0] })).sorted()
        var s = "<h2>PCA of treatment profiles (PC1 \(fmt(pca.explainedVarianceRatio[0])), PC2 \(fmt(pca.explainedVarianceRatio[1])) of variance)</h2>"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" style=\"border:1px solid #ccc\">"
        for (i, r) in rows.enumerated() {
            let hue = 360 * (moas.firstIndex(of: e.labels.moa[r])!) / max(1, moas.count)
            let cx = scale(xs[i], xs.min()!, xs.max()!, w), cy = h - scale(ys[i], ys.min()!, ys.max()!, h)
            s += "<circle cx=\"\(String(format: "%.1f", cx))\" cy=\"\(String(format: "%.1f", cy))\" r=\"5\" fill=\"hsl(\(hue),65%,50%)\"><title>\(escape(e.labels.treatment(r))) \(escape(e.labels.moa[r]))</title></circle>"
        }
        s += "</svg><p>" + moas.enumerated().map { i, m in
            "<span style=\"color:hsl(\(360 * i / max(1, moas.count)),65%,45%)\">&#9679; \(escape(m))</span>"
        }.joined(separator: " ") + "</p>\n"
        return s
    }

    /// The ten treatments farthest from their nearest other treatment.
    static func outliers(_ e: ProfileEvaluation) throws -> String {
        guard e.treatments.rowCount >= 2 else { return "" }
        let o = try OutlierScores(e.treatments, k: 1)
        let labels = try TreatmentLabels(e.treatments, requireMoA: false)
        var s = "<h2>Most outlying treatments (cosine distance to the nearest other treatment)</h2><table><tr><th class=l>treatment</th><th class=l>MoA</th><th>distance</th><th>robust z</th></tr>"
        for r in o.ranking.prefix(10) {
            s += "<tr><td class=l>\(escape(labels.treatment(r)))</td><td class=l>\(escape(labels.moa[r]))</td><td>\(fmt(o.scores[r]))</td><td>\(fmt(o.robustZ[r]))</td></tr>"
        }
        return s + "</table>\n"
    }

    static func neighbours(_ e: ProfileEvaluation) -> String {
        var s = "<h2>Nearest other-compound neighbour</h2><table><tr><th class=l>treatment</th><th class=l>MoA</th><th class=l>neighbour</th><th class=l>its MoA</th><th>cosine</th></tr>"
        for n in e.nsc.neighbors {
            let q = n.query, m = n.neighbor
            s += "<tr\(n.hit ? "" : " class=miss")><td class=l>\(escape(e.labels.treatment(q)))</td><td class=l>\(escape(e.labels.moa[q]))</td><td class=l>\(escape(e.labels.treatment(m)))</td><td class=l>\(escape(e.labels.moa[m]))</td><td>\(fmt(n.similarity))</td></tr>"
        }
        return s + "</table>\n"
    }
}
