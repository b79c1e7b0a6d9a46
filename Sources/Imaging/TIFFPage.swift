import CTIFF
import Foundation

/// Which page of a multi-page TIFF or OME-TIFF an image reference means: the part after `#`
/// in `plate1.tif#2` (0-based page number, as tifffile's `pages[2]`) or `plate1.ome.tif#DNA`
/// (the page of the OME channel named `DNA`, read from the file's OME-XML).
///
/// The selector travels as the fragment of the file URL (`file:///x/plate1.ome.tif#DNA`), so
/// every reader that opens an image by URL honours it; a URL without one reads a single-page
/// file and refuses a multi-page file, naming its page count, instead of silently taking page 0.
public enum TIFFPage: Sendable, Equatable, CustomStringConvertible {
    /// A 0-based page number.
    case index(Int)
    /// An OME channel name (`Channel Name="..."` in the OME-XML).
    case channel(String)

    /// Digits select a page by number; anything else is an OME channel name.
    public init(selector: String) {
        if !selector.isEmpty, selector.allSatisfy(\.isASCII), selector.allSatisfy(\.isNumber), let i = Int(selector) {
            self = .index(i)
        } else {
            self = .channel(selector)
        }
    }

    public var description: String {
        switch self {
        case .index(let i): return "page \(i)"
        case .channel(let name): return "OME channel '\(name)'"
        }
    }

    /// The selector in `url`'s fragment, if any.
    public static func selected(by url: URL) -> TIFFPage? {
        url.fragment(percentEncoded: false).map(TIFFPage.init(selector:))
    }

    /// Splits an image reference `path#selector` at its last `#`; the selector is nil when
    /// there is no `#`.
    public static func split(_ reference: String) -> (path: String, selector: String?) {
        guard let hash = reference.lastIndex(of: "#") else { return (reference, nil) }
        return (String(reference[..<hash]), String(reference[reference.index(after: hash)...]))
    }

    /// `file` with `selector` as its fragment (unchanged when nil).
    public static func url(_ file: URL, selector: String?) -> URL {
        guard let selector, var parts = URLComponents(url: file, resolvingAgainstBaseURL: false) else { return file }
        parts.fragment = selector
        return parts.url ?? file
    }
}

extension TIFFReader {
    /// The size of the page `url` selects, from its header, with every size in the header
    /// checked as a read would check it (pixel budget, strip and tile layout, compressed
    /// bytes present) but no pixel decoded: what `manifest check` asks of every image.
    public static func checkedSize(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> (width: Int, height: Int) {
        try withTIFF(url, maxPixels: maxPixels) { tif, errors in
            try seekSelectedPage(tif, url: url, errors: errors)
            let page = try pageHeader(tif, url: url, errors: errors, maxPixels: maxPixels)
            if let message = errors.first { throw ImageIOError(file: url.path, message) }
            return (page.width, page.height)
        }
    }

    /// How many pages (directories) the file has.
    public static func pageCount(_ url: URL) throws -> Int {
        try withTIFF(url, maxPixels: defaultMaxPixels) { tif, _ in Int(TIFFNumberOfDirectories(tif)) }
    }

    /// Makes the page `url` selects current; throws naming the file when there is no such
    /// page, or when the file has several pages and `url` selects none.
    @discardableResult
    static func seekSelectedPage(_ tif: OpaquePointer, url: URL, errors: ErrorLog) throws -> Int {
        let count = Int(TIFFNumberOfDirectories(tif))
        let page: Int
        switch TIFFPage.selected(by: url) {
        case nil:
            guard count <= 1 else {
                let names = omeMetadata(tif).map(\.channelNames).map { $0.isEmpty ? "" : " (OME channels: \($0.joined(separator: ", ")))" } ?? ""
                throw ImageIOError(file: url.path, "\(count) pages\(names); name one as FILE#PAGE (0-based) or FILE#<OME channel name>")
            }
            return 0
        case .index(let i):
            page = i
        case .channel(let name):
            guard let ome = omeMetadata(tif) else {
                throw ImageIOError(file: url.path, "#\(name) names an OME channel, but the file has no OME-XML; select a page by number")
            }
            switch ome.page(ofChannel: name) {
            case .success(let p): page = p
            case .failure(let e): throw ImageIOError(file: url.path, e.message)
            }
        }
        guard page < count else {
            throw ImageIOError(file: url.path, "page \(page) does not exist (the file has \(count) page\(count == 1 ? "" : "s"), 0 to \(count - 1))")
        }
        guard TIFFSetDirectory(tif, UInt32(page)) == 1 else {
            throw ImageIOError(file: url.path, "cannot read page \(page)" + (errors.first.map { ": \($0)" } ?? ""))
        }
        return page
    }

    /// The OME-XML of the current (first) page's ImageDescription, if it is OME-XML.
    static func omeMetadata(_ tif: OpaquePointer) -> OMEXMLMetadata? {
        var text: UnsafePointer<CChar>?
        guard ctiff_get_string(tif, UInt32(TIFFTAG_IMAGEDESCRIPTION), &text) == 1, let text else { return nil }
        let xml = String(cString: text)
        guard xml.contains("<OME") || xml.contains(":OME") else { return nil }
        return OMEXMLMetadata(xml: xml)
    }
}
