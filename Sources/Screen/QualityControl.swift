import Foundation
import Imaging

/// Flags defective sites of a screen from their `SiteQuality` scores.
///
/// Saturation is judged in absolute terms (more than `saturatedFraction` of pixels clipped).
/// Focus and debris are judged against the site's own plate, because their typical values
/// depend on stain, exposure and cell density: a site is `blur` when its focus score's robust
/// z (median / 1.4826 MAD of the plate) is below `-focusZ`, and `debris` when the robust z
/// of its largest co-bright patch (`SiteQuality.coBrightBlob`) is above `debrisZ`. The first rule that fires names the defect, in the
/// order saturated, blur, debris.
///
/// When masks exist, the cell count of each site is a fourth, optional rule
/// (`flagCellCounts`): a site whose log count is more than `cellCountZ` robust z from its
/// plate's is `too_few_cells` or `too_many_cells`. It is deliberately loose (cytotoxic
/// compounds empty sites for real, and those are phenotypes, not defects) and catches
/// empty or overgrown fields, failed staining, or segmentation gone wrong.
public struct QualityControl: Sendable {
    public var saturatedFraction = 0.002
    public var focusZ = 4.0
    public var debrisZ = 15.0
    /// Floor of the co-bright patch spread (pixels), so a plate of almost-clean sites does
    /// not turn a few stray pixels into an outlier.
    public var coBrightBlobFloor = 3.0
    public var cellCountZ = 5.0

    public init() {}

    public struct SiteResult: Sendable {
        public var key: SiteKey
        public var quality: SiteQuality
        /// Empty, or `blur`, `debris`, `saturated` (the words of ground_truth/sites.csv),
        /// `too_few_cells`, `too_many_cells`.
        public var defect: String
        /// Cells segmented in the site, when masks were given.
        public var cellCount: Int? = nil
    }

    /// Scores every site of `manifest` (in parallel) and flags the defective ones.
    public func run(manifest: Manifest, threads: Int = 2, progress: (@Sendable () -> Void)? = nil) throws -> [SiteResult] {
        let rows = manifest.rows
        let scores = UnsafeMutableBufferPointer<Result<SiteQuality, Error>?>.allocate(capacity: rows.count)
        defer { scores.deinitialize().deallocate() }
        scores.initialize(repeating: nil)
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { worker in
            var i = worker
            while i < rows.count {
                scores[i] = Result { SiteQuality(planes: try manifest.siteImages(rows[i])) }
                progress?()
                i += max(1, threads)
            }
        }
        let qualities = try scores.map { try $0!.get() }
        return flag(keys: rows.map(\.siteKey), qualities: qualities)
    }

    /// Applies the rules to scores already computed.
    public func flag(keys: [SiteKey], qualities: [SiteQuality]) -> [SiteResult] {
        var byPlate: [String: [Int]] = [:]
        for (i, k) in keys.enumerated() { byPlate[k.plate, default: []].append(i) }
        var results = zip(keys, qualities).map { SiteResult(key: $0, quality: $1, defect: "") }
        for indices in byPlate.values {
            let focus = QualityControl.robustZ(indices.map { log(max(qualities[$0].focus, 1e-12)) }, floor: 1e-6)
            let debris = QualityControl.robustZ(indices.map { qualities[$0].coBrightBlob }, floor: coBrightBlobFloor)
            for (j, i) in indices.enumerated() {
                if qualities[i].saturation > saturatedFraction { results[i].defect = "saturated" }
                else if focus[j] < -focusZ { results[i].defect = "blur" }
                else if debris[j] > debrisZ { results[i].defect = "debris" }
            }
        }
        return results
    }

    /// (x - median) / max(1.4826 MAD, floor).
    static func robustZ(_ x: [Double], floor: Double) -> [Double] {
        guard !x.isEmpty else { return [] }
        func median(_ v: [Double]) -> Double {
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let m = median(x)
        let mad = max(1.4826 * median(x.map { abs($0 - m) }), floor)
        return x.map { ($0 - m) / mad }
    }

    /// Adds the cell counts to `results` and flags sites not already flagged whose log count
    /// is an outlier for their plate (robust z beyond `cellCountZ`; spread floored at 0.05).
    public func flagCellCounts(_ results: [SiteResult], counts: [SiteKey: Int]) -> [SiteResult] {
        var out = results
        var byPlate: [String: [Int]] = [:]
        for (i, r) in results.enumerated() where counts[r.key] != nil { byPlate[r.key.plate, default: []].append(i) }
        for indices in byPlate.values {
            let z = QualityControl.robustZ(indices.map { log(Double(counts[results[$0].key]!) + 1) }, floor: 0.05)
            for (j, i) in indices.enumerated() {
                out[i].cellCount = counts[results[i].key]
                guard out[i].defect.isEmpty else { continue }
                if z[j] < -cellCountZ { out[i].defect = "too_few_cells" } else if z[j] > cellCountZ { out[i].defect = "too_many_cells" }
            }
        }
        return out
    }

    /// Objects per site in a masks.csv's nuclei masks (read in parallel).
    public static func cellCounts(_ masks: MaskIndex, threads: Int = 2) throws -> [SiteKey: Int] {
        let keys = masks.entries.keys.sorted()
        let counts = UnsafeMutableBufferPointer<Result<Int, Error>?>.allocate(capacity: keys.count)
        defer { counts.deinitialize().deallocate() }
        counts.initialize(repeating: nil)
        let workers = max(1, threads)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in stride(from: w, to: keys.count, by: workers) {
                counts[i] = Result { Set(try TIFFReader.readLabels(masks.entries[keys[i]]!.nuclei).pixels).subtracting([0]).count }
            }
        }
        var out: [SiteKey: Int] = [:]
        for (i, k) in keys.enumerated() { out[k] = try counts[i]!.get() }
        return out
    }

    /// `qc.csv`: one row per site with the scores and the Defect column of ground_truth/sites.csv.
    public static func table(_ results: [SiteResult]) -> CSVTable {
        var t = CSVTable(header: ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Defect",
                                  "QC_Focus", "QC_Saturation", "QC_CoBright", "QC_CoBrightBlob"] + (results.contains { $0.cellCount != nil } ? ["QC_CellCount"] : []))
        t.rows = results.map { r in
            [r.key.plate, r.key.well.description, String(r.key.site), r.defect,
             String(format: "%.6g", r.quality.focus), String(format: "%.6g", r.quality.saturation),
             String(format: "%.6g", r.quality.coBright), String(format: "%.0f", r.quality.coBrightBlob)]
                + (t.header.count == 9 ? [r.cellCount.map(String.init) ?? ""] : [])
        }
        t.lineNumbers = t.rows.indices.map { $0 + 2 }
        return t
    }

    /// The sites a `qc.csv` flags (non-empty Defect).
    public static func flaggedSites(_ url: URL) throws -> Set<SiteKey> {
        let t = try CSVTable(contentsOf: url)
        let c = try ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Defect"].map { try t.requireColumn($0) }
        var flagged = Set<SiteKey>()
        for (i, r) in t.rows.enumerated() where !r[c[3]].isEmpty {
            guard let w = WellPosition(r[c[1]]), let s = Int(r[c[2]]) else {
                throw CSVError(source: t.source, line: t.lineNumbers[i], message: "bad Metadata_Well or Metadata_Site")
            }
            flagged.insert(SiteKey(plate: r[c[0]], well: w, site: s))
        }
        return flagged
    }
}
