/// A failure of a run or a recipe (a missing part, a file that does not fit), as opposed to
/// an error of one module's own input; its message names the file or field.
public struct PipelineError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
