import Foundation

/// CellProfiler's MeasureColocalization within objects, for one ordered pair of channels.
///
/// Pearson correlation and regression slope over the object's pixels; Manders, rank-weighted
/// (RWC) and overlap/K coefficients over pixels at or above `threshold` percent of each
/// channel's maximum within the object, as cp-measure's `_manders_pair`, `_rwc_pair` and
/// `_overlap_pair`. Costes' automatic thresholds are not computed.
enum ColocalizationMeasurement {
    static func names(_ a: String, _ b: String) -> [String] {
        ["Correlation_Correlation_\(a)_\(b)", "Correlation_Slope_\(a)_\(b)",
         "Correlation_Overlap_\(a)_\(b)", "Correlation_K_\(a)_\(b)", "Correlation_K_\(b)_\(a)",
         "Correlation_Manders_\(a)_\(b)", "Correlation_Manders_\(b)_\(a)",
         "Correlation_RWC_\(a)_\(b)", "Correlation_RWC_\(b)_\(a)"]
    }

    static func measure(_ f: [Float], _ s: [Float], threshold: Double, into out: inout [Double]) {
        let n = f.count
        let fd = f.map(Double.init), sd = s.map(Double.init)
        let mf = fd.reduce(0, +) / Double(n), ms = sd.reduce(0, +) / Double(n)
        var sff = 0.0, sss = 0.0, sfs = 0.0
        for k in 0..<n {
            let a = fd[k] - mf, b = sd[k] - ms
            sff += a * a; sss += b * b; sfs += a * b
        }
        let corr = sfs / (sff * sss).squareRoot()
        let slope = sfs / sff
        let tf = threshold / 100 * (fd.max() ?? 0), ts = threshold / 100 * (sd.max() ?? 0)
        var totF = 0.0, totS = 0.0, cF = 0.0, cS = 0.0, ff = 0.0, ss = 0.0, fs = 0.0, any = false
        for k in 0..<n {
            let a = fd[k], b = sd[k]
            if a >= tf { totF += a }
            if b >= ts { totS += b }
            if a >= tf && b >= ts {
                any = true
                cF += a; cS += b; ff += a * a; ss += b * b; fs += a * b
            }
        }
        guard any else { out += [corr, slope, 0, 0, 0, 0, 0, 0, 0]; return }
        // Rank-weighted colocalisation: dense ranks of each channel, weight (R - |r1 - r2|) / R.
        let r1 = denseRanks(fd), r2 = denseRanks(sd)
        let big = Double(max(r1.max() ?? 0, r2.max() ?? 0) + 1)
        var rwF = 0.0, rwS = 0.0
        for k in 0..<n where fd[k] >= tf && sd[k] >= ts {
            let wgt = (big - Double(abs(r1[k] - r2[k]))) / big
            rwF += fd[k] * wgt; rwS += sd[k] * wgt
        }
        out += [corr, slope, fs / (ff * ss).squareRoot(), fs / ff, fs / ss, cF / totF, cS / totS, rwF / totF, rwS / totS]
    }

    /// 0 for the smallest value, +1 for each larger distinct value.
    static func denseRanks(_ v: [Double]) -> [Int] {
        let order = v.indices.sorted { v[$0] < v[$1] || (v[$0] == v[$1] && $0 < $1) }
        var ranks = [Int](repeating: 0, count: v.count)
        var r = 0
        for (k, i) in order.enumerated() {
            if k > 0 && v[i] != v[order[k - 1]] { r += 1 }
            ranks[i] = r
        }
        return ranks
    }
}
