/// One recorded op in the autograd graph: the tensors it read and the function that
/// maps the gradient of its output to gradients of those inputs (nil where an input
/// needs none).
///
/// The backward closure must not capture the output tensor itself (that would be a
/// reference cycle); ops capture `detached()` copies of what they need.
public final class GradNode {
    public let name: String
    public let inputs: [Tensor]
    public let backward: (Tensor) -> [Tensor?]

    public init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}
