/// A file that could not be read or written as an image: names the file and what was wrong
/// (truncated, not an image, an unsupported layout), in one line.
public struct ImageIOError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String
    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}
