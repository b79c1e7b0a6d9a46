import Foundation

/// A profiling failure with a one-line message naming the input at fault.
public struct ProfilingError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
