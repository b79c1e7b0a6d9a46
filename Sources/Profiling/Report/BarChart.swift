import Foundation

/// Horizontal bars, one row per category: grouped (per-MoA NSC, NSCB and mAP side by side)
/// or stacked (QC flags of each kind per plate). Values are drawn to scale from 0 to
/// `maxValue`, with the value printed at the end of each grouped bar.
public struct BarChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var color: String
        /// One value per row; nil draws nothing (figure not defined for that row).
        public var values: [Double?]
        public init(name: String, color: String, values: [Double?]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    public var rows: [String]
    public var series: [Series]
    public var stacked = false
    public var maxValue: Double
    public var axisTitle = ""
    public var valueFormat: @Sendable (Double) -> String = { String(format: "%.2f", $0) }
    public var barWidth = 420.0

    public init(rows: [String], series: [Series], maxValue: Double) {
        precondition(series.allSatisfy { $0.values.count == rows.count })
        self.rows = rows
        self.series = series
        self.maxValue = maxValue
    }

    public func svg(standalone: Bool) -> String {
        let bar = 11.0
        let rowHeight = stacked ? bar + 5 : Double(series.count) * bar + 7
        let labelWidth = (rows.map { Markup.textWidth($0) }.max() ?? 0) + 8
        let top = 26.0, left = labelWidth
        let scale = maxValue > 0 ? barWidth / maxValue : 0
        var s = ""
        // Legend on top.
        var lx = left
        for sr in series {
            s += "<rect x=\"\(Markup.n(lx))\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(sr.color)\"/>"
            s += Markup.text(sr.name, x: lx + 14, y: 15)
            lx += Markup.textWidth(sr.name) + 30
        }
        // Grid at 0, 25, 50, 75, 100 % of the axis.
        let height = top + Double(rows.count) * rowHeight
        for q in 0...4 {
            let x = left + barWidth * Double(q) / 4
            s += "<line x1=\"\(Markup.n(x))\" y1=\"\(Markup.n(top - 2))\" x2=\"\(Markup.n(x))\" y2=\"\(Markup.n(height))\" stroke=\"#e0e0e0\"/>"
            s += Markup.text(valueFormat(maxValue * Double(q) / 4), x: x, y: height + 13, anchor: "middle", extra: "fill=\"#666666\" font-size=\"9\"")
        }
        if !axisTitle.isEmpty { s += Markup.text(axisTitle, x: left + barWidth / 2, y: height + 27, anchor: "middle") }
        for (r, label) in rows.enumerated() {
            let y0 = top + Double(r) * rowHeight
            s += Markup.text(label, x: left - 5, y: y0 + (stacked ? bar : Double(series.count) * bar / 2) + 3, anchor: "end")
            var offset = 0.0
            for (k, sr) in series.enumerated() {
                guard let v = sr.values[r], v.isFinite else { continue }
                let w = max(0, v) * scale
                let x = stacked ? left + offset : left
                let y = stacked ? y0 : y0 + Double(k) * bar
                s += "<rect x=\"\(Markup.n(x))\" y=\"\(Markup.n(y))\" width=\"\(Markup.n(w))\" height=\"\(Markup.n(bar - 1))\" fill=\"\(sr.color)\">"
                    + "<title>\(Markup.escape("\(label): \(sr.name) \(valueFormat(v))"))</title></rect>"
                if !stacked {
                    s += Markup.text(valueFormat(v), x: x + w + 3, y: y + bar - 2.5, extra: "font-size=\"9\" fill=\"#444444\"")
                }
                offset += w
            }
        }
        let width = left + barWidth + 40
        return Markup.svg(width: max(width, lx + 10), height: height + (axisTitle.isEmpty ? 20 : 34), body: s, standalone: standalone)
    }
}
