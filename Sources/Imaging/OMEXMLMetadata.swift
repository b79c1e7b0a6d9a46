import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The part of an OME-TIFF's OME-XML (the first page's ImageDescription) needed to find one
/// channel's page: the first image's dimension order and sizes, its channel names in order, and
/// its `TiffData` plane-to-page entries.
///
/// Only what selecting a channel by name needs is read; everything else (physical sizes,
/// instruments, further series) is ignored, and a file this cannot map unambiguously is an
/// error naming the file rather than a guess.
public struct OMEXMLMetadata: Sendable, Equatable {
    /// One `TiffData` element: planes from (FirstC, FirstZ, FirstT) on, starting at page `ifd`.
    public struct TiffData: Sendable, Equatable {
        public var ifd: Int, firstC: Int, firstZ: Int, firstT: Int, planeCount: Int?
        /// Whether the element named its first plane (FirstC/Z/T); without them it means
        /// "the planes in dimension order from `ifd` on".
        public var namesPlane: Bool
    }

    public var imageCount = 0
    public var dimensionOrder = "XYCZT"
    public var sizeC = 1, sizeZ = 1, sizeT = 1
    public var channelNames: [String] = []
    public var tiffData: [TiffData] = []

    /// Parses `xml`; nil when it is not OME-XML (no `Pixels` element).
    public init?(xml: String) {
        let collector = Collector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = collector
        guard parser.parse(), let parsed = collector.result, parsed.imageCount > 0 else { return nil }
        self = parsed
    }

    init() {}

    /// The 0-based page holding channel `name` (Z = 0, T = 0 plane), or a message saying why not.
    public func page(ofChannel name: String) -> Result<Int, ImageIOError> {
        func fail(_ m: String) -> Result<Int, ImageIOError> { .failure(ImageIOError(file: "", m)) }
        let listed = channelNames.map { "'\($0)'" }.joined(separator: ", ")
        guard let c = channelNames.firstIndex(of: name) else {
            return fail("no OME channel named '\(name)' (channels: \(listed.isEmpty ? "none named" : listed))")
        }
        guard imageCount == 1 else { return fail("\(imageCount) OME images (series) in one file; select a page by number (FILE#PAGE)") }
        guard sizeZ == 1, sizeT == 1 else {
            return fail("OME image has SizeZ=\(sizeZ), SizeT=\(sizeT); select a page by number (FILE#PAGE)")
        }
        if tiffData.contains(where: \.namesPlane) {
            guard let entry = tiffData.first(where: { $0.namesPlane && $0.firstC <= c && c < $0.firstC + ($0.planeCount ?? 1) }) else {
                return fail("OME TiffData maps no page to channel '\(name)'")
            }
            return .success(entry.ifd + (c - entry.firstC))
        }
        // Planes in dimension order (Z = T = 1 here, so the order of C among them is moot).
        return .success((tiffData.first?.ifd ?? 0) + c)
    }

    /// SAX delegate reading the first `Image`'s `Pixels`, `Channel` and `TiffData` elements.
    private final class Collector: NSObject, XMLParserDelegate {
        var meta = OMEXMLMetadata()
        var inFirstImage = false
        var sawPixels = false
        var result: OMEXMLMetadata? { sawPixels ? meta : nil }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            // Local name: OME-XML may carry a namespace prefix (ome:Channel).
            let name = elementName.split(separator: ":").last.map(String.init) ?? elementName
            func int(_ key: String) -> Int? { attributes[key].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
            switch name {
            case "Image":
                meta.imageCount += 1
                inFirstImage = meta.imageCount == 1
            case "Pixels" where inFirstImage:
                sawPixels = true
                meta.dimensionOrder = attributes["DimensionOrder"] ?? meta.dimensionOrder
                meta.sizeC = int("SizeC") ?? 1; meta.sizeZ = int("SizeZ") ?? 1; meta.sizeT = int("SizeT") ?? 1
            case "Channel" where inFirstImage:
                meta.channelNames.append(attributes["Name"] ?? "")
            case "TiffData" where inFirstImage:
                let names = ["FirstC", "FirstZ", "FirstT"].contains { attributes[$0] != nil }
                meta.tiffData.append(TiffData(ifd: int("IFD") ?? 0, firstC: int("FirstC") ?? 0, firstZ: int("FirstZ") ?? 0,
                                              firstT: int("FirstT") ?? 0, planeCount: int("PlaneCount"), namesPlane: names))
            default: break
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            if (elementName.split(separator: ":").last.map(String.init) ?? elementName) == "Image" { inFirstImage = false }
        }
    }
}
