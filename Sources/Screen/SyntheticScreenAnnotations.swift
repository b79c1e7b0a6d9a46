import Foundation
import Core
import Imaging

extension AnnotatedNuclei {
    /// Whether `directory` is a screen `phenoscope synth` wrote (its manifest and ground-truth
    /// masks), rather than a folder of annotated images.
    public static func isSyntheticScreen(_ directory: URL) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: directory.appendingPathComponent("manifest.csv").path)
            && fm.fileExists(atPath: directory.appendingPathComponent("ground_truth/masks.csv").path)
    }

    /// The sites of a synthetic screen as annotated nuclei: each site's DNA plane with its
    /// ground-truth nucleus labels, ids `<plate>_<well>_s<site>`. Sites the screen made
    /// defective (`ground_truth/sites.csv`) are left out: their masks show nuclei that blur or
    /// debris hide. All are fluorescence, as rendered.
    public static func loadSyntheticScreen(_ directory: URL) throws -> AnnotatedNuclei {
        let manifest = try Manifest.load(directory.appendingPathComponent("manifest.csv"))
        let masks = try MaskIndex.load(directory.appendingPathComponent("ground_truth/masks.csv"))
        let sitesURL = directory.appendingPathComponent("ground_truth/sites.csv")
        let defective = FileManager.default.fileExists(atPath: sitesURL.path) ? try QualityControl.flaggedSites(sitesURL) : []
        guard manifest.channels.contains("DNA") else {
            throw ImageIOError(file: manifest.source, "no Image_DNA column; a synthetic screen's nuclei are read from its DNA channel")
        }
        var items: [Item] = []
        for row in manifest.rows where !defective.contains(row.siteKey) {
            guard let imageURL = manifest.imageURL(row, channel: "DNA") else { continue }
            guard let entry = masks.entries[row.siteKey] else {
                throw ImageIOError(file: directory.appendingPathComponent("ground_truth/masks.csv").path, "no masks for site \(row.siteKey)")
            }
            let image = try TIFFReader.readFloat(imageURL)
            let labels = try TIFFReader.readLabels(entry.nuclei)
            guard image.width == labels.width, image.height == labels.height else {
                throw ImageIOError(file: entry.nuclei.path, "labels are \(labels.width)x\(labels.height), image is \(image.width)x\(image.height)")
            }
            items.append(Item(id: "\(row.plate)_\(row.well)_s\(row.site)", kind: .fluorescence, image: image, labels: labels))
        }
        guard !items.isEmpty else { throw ImageIOError(file: directory.path, "no site without a defect in this synthetic screen") }
        return AnnotatedNuclei(items: items)
    }

    /// A folder of annotated images (either layout `load` reads) or a synthetic screen.
    public static func loadAny(_ directory: URL) throws -> AnnotatedNuclei {
        isSyntheticScreen(directory) ? try loadSyntheticScreen(directory) : try load(directory)
    }
}
