import Foundation

/// Which 2-D plane of an OME-Zarr image an image reference means: the part after `#` in
/// `plate.zarr/A/1/0#DNA`, `image.zarr#2` or `image.zarr#c=DNA,z=3,t=0`.
///
/// The channel part is the TIFF selector (`TIFFPage`): digits are a 0-based channel index
/// (the `c` axis), anything else an `omero` channel label; `z=` and `t=` pick a plane of a
/// stack or a time point (0-based). An axis the selector leaves out must have one plane:
/// a 5-channel image without a channel, or a z-stack without `z=`, is refused, naming its
/// channels or its size, instead of plane 0 being read silently.
public struct OMEZarrPlane: Sendable, Equatable, CustomStringConvertible {
    public var channel: TIFFPage?
    public var z: Int?
    public var t: Int?

    public init(channel: TIFFPage? = nil, z: Int? = nil, t: Int? = nil) {
        self.channel = channel; self.z = z; self.t = t
    }

    /// Parses a selector: comma-separated parts, each `c=`, `z=`, `t=` or a bare channel.
    public init(selector: String) throws {
        self.init()
        for part in selector.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            func fail(_ why: String) -> OMEZarrSelectorError {
                OMEZarrSelectorError(message: "#\(selector): '\(part)' \(why); expected CHANNEL (index or omero label), c=CHANNEL, z=INDEX, t=INDEX, comma-separated")
            }
            guard !part.isEmpty else { throw fail("is empty") }
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if pieces.count == 1 {
                guard channel == nil else { throw fail("names a second channel") }
                channel = TIFFPage(selector: part)
                continue
            }
            let key = pieces[0].trimmingCharacters(in: .whitespaces), value = pieces[1]
            switch key {
            case "c":
                guard channel == nil, !value.isEmpty else { throw fail(value.isEmpty ? "has no channel" : "names a second channel") }
                channel = TIFFPage(selector: value)
            case "z", "t":
                guard value.allSatisfy({ $0.isASCII && $0.isNumber }), let i = Int(value) else { throw fail("is not a 0-based index") }
                if key == "z" {
                    guard z == nil else { throw fail("repeats z") }
                    z = i
                } else {
                    guard t == nil else { throw fail("repeats t") }
                    t = i
                }
            default:
                throw fail("has an unknown axis '\(key)'")
            }
        }
    }

    /// The selector in `url`'s fragment (no fragment: no selection).
    public static func selected(by url: URL) throws -> OMEZarrPlane {
        guard let fragment = url.fragment(percentEncoded: false) else { return OMEZarrPlane() }
        do { return try OMEZarrPlane(selector: fragment) } catch let e as OMEZarrSelectorError {
            throw ImageIOError(file: url.path, e.message)
        }
    }

    public var description: String {
        var parts: [String] = []
        switch channel {
        case .index(let i)?: parts.append("c=\(i)")
        case .channel(let name)?: parts.append("c=\(name)")
        case nil: break
        }
        if let z { parts.append("z=\(z)") }
        if let t { parts.append("t=\(t)") }
        return parts.joined(separator: ",")
    }
}

/// A selector that does not parse, in one line.
public struct OMEZarrSelectorError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}
