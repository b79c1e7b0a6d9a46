import Foundation

/// One step of a run: what it reads, what it writes, and how to make the outputs.
///
/// `parameters` is the canonical text of the configuration the step depends on; together
/// with the file times it decides whether the step can be skipped (`Pipeline`). Its text is
/// kept in the run folder, so it must not change for an unchanged config.
public struct Stage {
    public var name: String
    public var inputs: [URL]
    public var outputs: [URL]
    public var parameters: String
    public var body: () throws -> Void

    public init(name: String, inputs: [URL], outputs: [URL], parameters: String, body: @escaping () throws -> Void) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.parameters = parameters
        self.body = body
    }

    /// A value's canonical text (sorted-key JSON), for `parameters`.
    public static func canonical<T: Encodable>(_ value: T) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(value), as: UTF8.self)
    }
}
