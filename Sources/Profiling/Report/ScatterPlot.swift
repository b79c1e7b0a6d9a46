import Foundation

/// A 2-d map of points (UMAP or PCA coordinates) drawn as one or more SVG panels side by
/// side, every panel the same points coloured by a different label (MoA, plate, batch), so
/// that structure shared by a batch or plate shows up next to structure shared by a MoA.
///
/// Each panel has its own legend below it with the count of each category; neutral points
/// (DMSO, unlabelled) are drawn first so treated points stay on top. Every point carries a
/// `<title>` (its name), which a browser shows on hover.
public struct ScatterPlot: Sendable {
    public struct Panel: Sendable {
        public var title: String
        /// One category per point.
        public var values: [String]
        public init(title: String, values: [String]) {
            self.title = title
            self.values = values
        }
    }

    public var x: [Double]
    public var y: [Double]
    public var names: [String]
    public var panels: [Panel]
    public var axisNames = ("UMAP 1", "UMAP 2")
    /// Side of each panel's square plotting area, pixels.
    public var size = 380.0

    public init(x: [Double], y: [Double], names: [String], panels: [Panel]) {
        precondition(x.count == y.count && names.count == x.count && panels.allSatisfy { $0.values.count == x.count })
        self.x = x
        self.y = y
        self.names = names
        self.panels = panels
    }

    public func svg(standalone: Bool) -> String {
        let gap = 30.0, margin = 24.0
        let legends = panels.map { legendLayout($0) }
        let panelHeight = 22 + size + 8 + (legends.map(\.height).max() ?? 0)
        let width = Double(panels.count) * (size + 2 * margin) + Double(max(0, panels.count - 1)) * gap
        var body = ""
        for (p, panel) in panels.enumerated() {
            let ox = Double(p) * (size + 2 * margin + gap) + margin
            body += "<g transform=\"translate(\(Markup.n(ox)),0)\">"
            body += Markup.text(panel.title, x: size / 2, y: 15, anchor: "middle", extra: "font-weight=\"bold\" font-size=\"13\"")
            body += plotArea(panel, top: 22)
            body += legends[p].svg(top: 22 + size + 8)
            body += "</g>"
        }
        return Markup.svg(width: width, height: panelHeight + 6, body: body, standalone: standalone)
    }

    func plotArea(_ panel: Panel, top: Double) -> String {
        let palette = ColorPalette(panel.values)
        let pad = 10.0
        let (x0, x1) = (x.min() ?? 0, x.max() ?? 1), (y0, y1) = (y.min() ?? 0, y.max() ?? 1)
        func sx(_ v: Double) -> Double { x1 > x0 ? pad + (v - x0) / (x1 - x0) * (size - 2 * pad) : size / 2 }
        func sy(_ v: Double) -> Double { top + size - (y1 > y0 ? pad + (v - y0) / (y1 - y0) * (size - 2 * pad) : size / 2) }
        let r = x.count > 2000 ? 2.0 : x.count > 500 ? 2.8 : x.count > 150 ? 3.6 : 5
        var s = "<rect x=\"0\" y=\"\(Markup.n(top))\" width=\"\(Markup.n(size))\" height=\"\(Markup.n(size))\" fill=\"none\" stroke=\"#bbbbbb\"/>"
        s += Markup.text(axisNames.0, x: size / 2, y: top + size - 3, anchor: "middle", extra: "fill=\"#999999\" font-size=\"9\"")
        s += Markup.text(axisNames.1, x: 3, y: top + size / 2, anchor: "middle",
                         extra: "fill=\"#999999\" font-size=\"9\" transform=\"rotate(-90 3 \(Markup.n(top + size / 2)))\" dominant-baseline=\"hanging\"")
        let order = x.indices.filter { ColorPalette.isNeutral(panel.values[$0]) } + x.indices.filter { !ColorPalette.isNeutral(panel.values[$0]) }
        for i in order {
            s += "<circle cx=\"\(Markup.n(sx(x[i])))\" cy=\"\(Markup.n(sy(y[i])))\" r=\"\(Markup.n(r))\" fill=\"\(palette.color(panel.values[i]))\" fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"0.4\">"
                + "<title>\(Markup.escape(names[i])) (\(Markup.escape(panel.values[i])))</title></circle>"
        }
        return s
    }

    struct Legend {
        var entries: [(label: String, color: String)]
        var columns: Int
        var columnWidth: Double
        let line = 14.0
        var height: Double { Double((entries.count + columns - 1) / columns) * line }
        func svg(top: Double) -> String {
            var s = ""
            for (i, e) in entries.enumerated() {
                let cx = Double(i % columns) * columnWidth, cy = top + Double(i / columns) * line
                s += "<circle cx=\"\(Markup.n(cx + 5))\" cy=\"\(Markup.n(cy + 6))\" r=\"4.5\" fill=\"\(e.color)\"/>"
                s += Markup.text(e.label, x: cx + 13, y: cy + 10)
            }
            return s
        }
    }

    func legendLayout(_ panel: Panel) -> Legend {
        let palette = ColorPalette(panel.values)
        var counts: [String: Int] = [:]
        for v in panel.values { counts[v, default: 0] += 1 }
        // Long names (a treatment spanning many batches) are shortened; the full name is in each point's title.
        func short(_ s: String) -> String { s.count > 32 ? String(s.prefix(30)) + "..." : s }
        let entries = palette.categories.map { c in
            (label: "\(c.isEmpty ? "(none)" : short(c)) (\(counts[c]!))", color: palette.color(c))
        }
        let widest = entries.map { Markup.textWidth($0.label) }.max() ?? 0
        let columnWidth = min(size, widest + 22)
        return Legend(entries: entries, columns: max(1, Int(size / columnWidth)), columnWidth: columnWidth)
    }
}
