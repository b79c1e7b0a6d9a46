import Foundation

/// Colours for the report's figures.
///
/// Categories (MoA, plate, batch) take Tableau's 20 colours in order, strong ones first, so
/// up to ten categories stay clearly apart; past twenty the hues continue around the
/// colour wheel by the golden angle with alternating lightness. DMSO and unlabelled rows
/// are always grey so the treated categories stand out. Continuous values (correlation,
/// shares) use a blue-white-red diverging scale.
public struct ColorPalette: Sendable {
    public let categories: [String]
    private let index: [String: Int]

    static let tableau20 = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
        "#17becf", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
        "#f7b6d2", "#dbdb8d", "#9edae5", "#393b79",
    ]
    static let neutral = "#b0b0b0"

    /// Categories sorted (numbers inside names compare as numbers, so plate 2 comes before
    /// plate 10), so a MoA has the same colour in every figure; neutral ones (DMSO, empty) last.
    public init(_ values: [String]) {
        let unique = Set(values).sorted(by: Self.naturalLess)
        categories = unique.filter { !Self.isNeutral($0) } + unique.filter(Self.isNeutral)
        index = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
    }

    static func isNeutral(_ v: String) -> Bool { v.isEmpty || TreatmentLabels.isDMSO(v) }

    /// Order with runs of digits compared by value ("p2" < "p10"), otherwise by characters.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        func chunks(_ s: String) -> [(String, Int?)] {
            var out: [(String, Int?)] = []
            var current = "", digits = false
            for ch in s {
                let isDigit = ch.isASCII && ch.isNumber
                if !current.isEmpty && isDigit != digits {
                    out.append((current, digits ? Int(current) : nil)); current = ""
                }
                digits = isDigit
                current.append(ch)
            }
            if !current.isEmpty { out.append((current, digits ? Int(current) : nil)) }
            return out
        }
        let x = chunks(a), y = chunks(b)
        for (p, q) in zip(x, y) where p.0 != q.0 {
            if let m = p.1, let n = q.1, m != n { return m < n }
            return p.0 < q.0
        }
        return x.count != y.count ? x.count < y.count : a < b
    }

    public func color(_ value: String) -> String {
        if Self.isNeutral(value) { return Self.neutral }
        guard let i = index[value] else { return Self.neutral }
        if i < Self.tableau20.count { return Self.tableau20[i] }
        let k = i - Self.tableau20.count
        let hue = (Double(k) * 137.508).truncatingRemainder(dividingBy: 360)
        return "hsl(\(Int(hue)),\(k % 2 == 0 ? 65 : 45)%,\(k % 3 == 0 ? 45 : 35)%)"
    }

    /// Diverging colour for `v` in [-1, 1]: blue (-1), white (0), red (1), as RGB bytes.
    public static func diverging(_ v: Double) -> (UInt8, UInt8, UInt8) {
        let t = max(-1, min(1, v.isFinite ? v : 0))
        // Ends are ColorBrewer RdBu's darkest blue (5,48,97) and red (103,0,31).
        let end: (Double, Double, Double) = t < 0 ? (5, 48, 97) : (103, 0, 31)
        let a = abs(t)
        func mix(_ e: Double) -> UInt8 { UInt8((255 + (e - 255) * a).rounded()) }
        return (mix(end.0), mix(end.1), mix(end.2))
    }

    static func hex(_ c: (UInt8, UInt8, UInt8)) -> String {
        String(format: "#%02x%02x%02x", c.0, c.1, c.2)
    }
}
