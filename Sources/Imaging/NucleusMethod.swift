/// How nuclei are found: `classic` (threshold and distance watershed, `Segmentation.nuclei`)
/// or `model` (the trained U-Net, `NucleusSegmenter`). Cells grow from the nuclei the same
/// way for both (`Segmentation.cells`).
public enum NucleusMethod: String, Codable, CaseIterable, Sendable {
    case classic, model
}
