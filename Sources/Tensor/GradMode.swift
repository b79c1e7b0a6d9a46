/// Whether ops record the autograd graph in the current task.
///
/// A task-local value, not a global: `withNoGrad { }` turns recording off for the
/// closure and whatever it calls on this task, and other tasks or threads keep their own
/// setting. Backward passes run with recording off, so gradients carry no graph.
public enum GradMode {
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` with autograd recording off: no op inside allocates graph nodes, which is
/// how inference and optimizer updates run.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}
