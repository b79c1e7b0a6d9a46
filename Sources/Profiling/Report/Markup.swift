import Foundation

/// The few pieces of markup every report figure shares: text escaping, compact number
/// formatting and the `<svg>` wrapper.
///
/// Everything the report writes is well-formed XML as well as HTML (every element closed,
/// attributes quoted, only the predefined entities), so the same SVG text is inlined in
/// report.html and written as a standalone .svg file, and a plain XML parser can check it.
public enum Markup {
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with one decimal (enough on screen, keeps files small).
    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    /// A figure for display: 3 decimals, "n/a" when missing or not finite.
    static func fmt(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "n/a" }
        return String(format: "%.3f", v)
    }

    /// Wraps `body` in an `<svg>` element. A standalone file needs the SVG namespace
    /// declaration (a name, never fetched); inline in HTML it is implied and left out so
    /// the page contains no URL at all.
    static func svg(width: Double, height: Double, body: String, standalone: Bool) -> String {
        let ns = standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : ""
        return "<svg\(ns) width=\"\(Int(width.rounded(.up)))\" height=\"\(Int(height.rounded(.up)))\" "
            + "viewBox=\"0 0 \(Int(width.rounded(.up))) \(Int(height.rounded(.up)))\" "
            + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>" + body + "</svg>"
    }

    /// `<text>` at (x, y) with optional anchor and extra attributes.
    static func text(_ s: String, x: Double, y: Double, anchor: String = "start", extra: String = "") -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\"\(extra.isEmpty ? "" : " " + extra)>\(escape(s))</text>"
    }

    /// Rough width of `s` in pixels at `size` (no font metrics offline; DejaVu Sans averages
    /// about 0.6 em per character), for laying out labels and legends.
    static func textWidth(_ s: String, size: Double = 11) -> Double { Double(s.count) * size * 0.6 }
}
