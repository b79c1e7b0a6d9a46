import Foundation
import Imaging

/// A matrix drawn as an SVG heatmap: the profile correlation matrix ordered by MoA, or the
/// NSC confusion matrix.
///
/// Rows and columns may belong to groups (MoA): a coloured band along each axis shows the
/// group, thin lines separate groups, and each group is named beside its band, so the
/// matrix stays readable at a few hundred rows when individual labels no longer fit. Up to
/// `vectorLimit` rows the cells are SVG rectangles with a hover title (and optional text);
/// past that the cells are one embedded PNG (a data: URI, so the page still needs nothing
/// from outside), which keeps a 300 x 300 matrix to a few hundred kilobytes.
public struct MatrixHeatmap: Sendable {
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `colors[row][column]` as RGB bytes.
    public var colors: [[(UInt8, UInt8, UInt8)]]
    /// Text drawn in each cell (counts); only used for vector cells.
    public var cellText: [[String]]?
    /// Hover text of each cell; only used for vector cells.
    public var tooltips: [[String]]?
    public var rowGroups: [String]?
    public var columnGroups: [String]?
    /// Colour bar: title and (value label, colour) stops from low to high.
    public var colorBar: (title: String, stops: [(String, (UInt8, UInt8, UInt8))])?
    public var vectorLimit = 60
    /// Largest side of the matrix area, pixels.
    public var maxSide = 720.0
    /// Label for the axes when individual labels are shown.
    public var axisTitles = ("", "")

    public init(rowLabels: [String], columnLabels: [String], colors: [[(UInt8, UInt8, UInt8)]]) {
        precondition(colors.count == rowLabels.count && colors.allSatisfy { $0.count == columnLabels.count })
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.colors = colors
    }

    public func svg(standalone: Bool) -> String {
        let nr = rowLabels.count, nc = columnLabels.count
        guard nr > 0 && nc > 0 else { return Markup.svg(width: 10, height: 10, body: "", standalone: standalone) }
        let cell = max(1.5, min(28, maxSide / Double(max(nr, nc))))
        let font = min(11, cell - 1)
        let showLabels = cell >= 9   // below that only the group names are legible
        let palette = ColorPalette((rowGroups ?? []) + (columnGroups ?? []))
        let band = rowGroups == nil && columnGroups == nil ? 0.0 : 10
        let groupNameWidth = rowGroups.map { g in (Set(g).map { Markup.textWidth($0) }.max() ?? 0) + 8 } ?? 0
        let rowLabelWidth = showLabels ? (rowLabels.map { Markup.textWidth($0, size: font) }.max() ?? 0) + 6 : 0
        let columnLabelHeight = showLabels ? (columnLabels.map { Markup.textWidth($0, size: font) }.max() ?? 0) + 6 : 0
        let topGroupHeight = columnGroups == nil ? 0.0 : 14
        let left = groupNameWidth + band + rowLabelWidth + 4
        let top = topGroupHeight + band + columnLabelHeight + 4
        let matrixW = cell * Double(nc), matrixH = cell * Double(nr)
        var s = ""
        // Cells.
        if nr <= vectorLimit && nc <= vectorLimit {
            for r in 0..<nr {
                for c in 0..<nc {
                    let x = left + Double(c) * cell, y = top + Double(r) * cell
                    s += "<rect x=\"\(Markup.n(x))\" y=\"\(Markup.n(y))\" width=\"\(Markup.n(cell))\" height=\"\(Markup.n(cell))\" fill=\"\(ColorPalette.hex(colors[r][c]))\">"
                    if let t = tooltips?[r][c] { s += "<title>\(Markup.escape(t))</title>" }
                    s += "</rect>"
                    if let t = cellText?[r][c], !t.isEmpty, cell >= 14 {
                        let (cr, cg, cb) = colors[r][c]
                        let dark = 0.299 * Double(cr) + 0.587 * Double(cg) + 0.114 * Double(cb) < 140
                        s += Markup.text(t, x: x + cell / 2, y: y + cell / 2 + 4, anchor: "middle",
                                         extra: "font-size=\"\(Markup.n(min(11, cell - 3)))\" fill=\"\(dark ? "#ffffff" : "#222222")\"")
                    }
                }
            }
        } else {
            s += "<image x=\"\(Markup.n(left))\" y=\"\(Markup.n(top))\" width=\"\(Markup.n(matrixW))\" height=\"\(Markup.n(matrixH))\" "
                + "preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(rasterPNG().base64EncodedString())\"/>"
        }
        s += "<rect x=\"\(Markup.n(left))\" y=\"\(Markup.n(top))\" width=\"\(Markup.n(matrixW))\" height=\"\(Markup.n(matrixH))\" fill=\"none\" stroke=\"#888888\"/>"
        // Individual labels.
        if showLabels {
            for (r, l) in rowLabels.enumerated() {
                s += Markup.text(l, x: left - 3, y: top + (Double(r) + 0.5) * cell + font * 0.35, anchor: "end", extra: "font-size=\"\(Markup.n(font))\"")
            }
            for (c, l) in columnLabels.enumerated() {
                let x = left + (Double(c) + 0.5) * cell + font * 0.35, y = top - 3
                s += Markup.text(l, x: x, y: y, extra: "font-size=\"\(Markup.n(font))\" transform=\"rotate(-90 \(Markup.n(x)) \(Markup.n(y)))\"")
            }
        }
        // Group bands, separators and names.
        if let g = rowGroups {
            for (start, end, name) in Self.runs(g) {
                let y0 = top + Double(start) * cell, h = Double(end - start) * cell
                s += "<rect x=\"\(Markup.n(groupNameWidth))\" y=\"\(Markup.n(y0))\" width=\"\(Markup.n(band - 2))\" height=\"\(Markup.n(h))\" fill=\"\(palette.color(name))\"><title>\(Markup.escape(name))</title></rect>"
                s += Markup.text(name, x: groupNameWidth - 4, y: y0 + h / 2 + 4, anchor: "end")
                if start > 0 {
                    s += "<line x1=\"\(Markup.n(left))\" y1=\"\(Markup.n(y0))\" x2=\"\(Markup.n(left + matrixW))\" y2=\"\(Markup.n(y0))\" stroke=\"#333333\" stroke-width=\"0.6\"/>"
                }
            }
        }
        if let g = columnGroups {
            for (start, end, name) in Self.runs(g) {
                let x0 = left + Double(start) * cell, w = Double(end - start) * cell
                s += "<rect x=\"\(Markup.n(x0))\" y=\"\(Markup.n(topGroupHeight))\" width=\"\(Markup.n(w))\" height=\"\(Markup.n(band - 2))\" fill=\"\(palette.color(name))\"><title>\(Markup.escape(name))</title></rect>"
                if start > 0 {
                    s += "<line x1=\"\(Markup.n(x0))\" y1=\"\(Markup.n(top))\" x2=\"\(Markup.n(x0))\" y2=\"\(Markup.n(top + matrixH))\" stroke=\"#333333\" stroke-width=\"0.6\"/>"
                }
            }
        }
        var width = left + matrixW + 10, height = top + matrixH + 10
        if let bar = colorBar {
            let bx = left + matrixW + 24, segment = 22.0
            s += Markup.text(bar.title, x: bx, y: top + 10, extra: "font-weight=\"bold\"")
            for (i, stop) in bar.stops.enumerated() {
                let y = top + 18 + Double(bar.stops.count - 1 - i) * segment
                s += "<rect x=\"\(Markup.n(bx))\" y=\"\(Markup.n(y))\" width=\"16\" height=\"\(Markup.n(segment))\" fill=\"\(ColorPalette.hex(stop.1))\" stroke=\"#cccccc\" stroke-width=\"0.5\"/>"
                s += Markup.text(stop.0, x: bx + 22, y: y + segment / 2 + 4)
            }
            width = max(width, bx + 22 + (bar.stops.map { Markup.textWidth($0.0) }.max() ?? 0) + Markup.textWidth(bar.title) / 2 + 10)
            height = max(height, top + 18 + Double(bar.stops.count) * segment + 10)
        }
        return Markup.svg(width: width, height: height, body: s, standalone: standalone)
    }

    /// Maximal runs of equal consecutive group names: (start, end exclusive, name).
    static func runs(_ groups: [String]) -> [(Int, Int, String)] {
        var out: [(Int, Int, String)] = []
        var start = 0
        for i in 1...groups.count where i == groups.count || groups[i] != groups[start] {
            out.append((start, i, groups[start]))
            start = i
        }
        return out
    }

    /// One pixel per cell; the SVG scales it up without smoothing.
    func rasterPNG() -> Data {
        let nr = rowLabels.count, nc = columnLabels.count
        var r = Image<UInt8>(width: nc, height: nr, repeating: 0), g = r, b = r
        for i in 0..<nr {
            for j in 0..<nc {
                let c = colors[i][j]
                r.pixels[i * nc + j] = c.0; g.pixels[i * nc + j] = c.1; b.pixels[i * nc + j] = c.2
            }
        }
        return PNGCodec.rgbData(red: r, green: g, blue: b)
    }
}
