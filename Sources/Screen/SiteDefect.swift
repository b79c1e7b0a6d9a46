/// A defect deliberately put into a synthetic site so that QC has something to find;
/// the raw value is the word written in `ground_truth/sites.csv`.
public enum SiteDefect: String, Sendable, CaseIterable {
    /// Out of focus: the whole site blurred.
    case blur
    /// Bright irregular debris over the cells.
    case debris
    /// Exposure far too long: much of the site clipped at 65535.
    case saturated
}
