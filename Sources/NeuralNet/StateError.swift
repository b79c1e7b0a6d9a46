/// A saved state dictionary (optimizer buffers, the DINO center) that does not fit the
/// object it is loaded into: a missing key, an unexpected key or a wrong shape. The
/// message names the key, so a `--resume` from the wrong checkpoint fails on one line.
public struct StateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
