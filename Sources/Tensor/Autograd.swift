extension Tensor {
    /// Reverse-mode differentiation from this tensor: accumulates d(self)/d(leaf) into
    /// `grad` of every leaf that requires grad. `gradient` defaults to ones (so a scalar
    /// loss needs none). The graph is released afterwards, as in PyTorch without
    /// `retain_graph`, so a training loop does not keep every step's activations.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(requiresGrad, "backward: tensor does not require grad (no leaf with requiresGrad contributed to it)")
        let seed = gradient ?? Tensor.ones(shape)
        precondition(seed.shape == shape, "backward: gradient shape \(seed.shape) != tensor shape \(shape)")

        // Post-order depth-first walk gives a topological order without recursion limits.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if !visited.insert(ObjectIdentifier(t)).inserted { continue }
            stack.append((t, true))
            for input in t.gradFn?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }

        withNoGrad {
            var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
            for t in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                guard let node = t.gradFn else {
                    t.grad = t.grad.map { $0 + g } ?? g.contiguous()
                    continue
                }
                let inputGrads = node.backward(g)
                for (input, ig) in zip(node.inputs, inputGrads) {
                    guard input.requiresGrad, let ig else { continue }
                    precondition(ig.shape == input.shape, "backward of \(node.name): gradient shape \(ig.shape) != input shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    grads[key] = grads[key].map { $0 + ig } ?? ig
                }
            }
        }
        for t in order where t.gradFn != nil { t.gradFn = nil }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
