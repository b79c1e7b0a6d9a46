import Tensor

/// A first-order optimizer over a fixed list of parameter tensors, updated in place.
///
/// The training loop sets `learningRate` and `weightDecay` from schedules before each
/// `step()`. `namedState()` is everything besides the parameters that the next steps
/// depend on (momentum buffers, Adam moments, the step count), keyed
/// `param.<index>.<slot>` (index into `parameters`) and `step`, so a checkpoint that saves
/// it and `loadState` after a restart continue bit-exactly.
public protocol Optimizer: AnyObject {
    var parameters: [Tensor] { get }
    var learningRate: Float { get set }
    /// The decay applied to parameters not excluded at construction (DINO schedules it).
    var weightDecay: Float { get set }
    func step()
    func namedState() -> [(String, Tensor)]
    /// Replaces the optimizer state with `state`; throws `StateError` naming the first
    /// missing, unexpected or mis-shaped key and then leaves the state unchanged.
    func loadState(_ state: [String: Tensor]) throws
}

extension Module {
    /// The parameters DINO and SimCLR exempt from weight decay (and LARS from adaptation):
    /// biases and every 1-D parameter (norm weights), as dino's `get_params_groups`. Pass
    /// it as an optimizer's `noDecay`.
    public var noDecayParameters: Set<ObjectIdentifier> {
        Set(namedParameters().filter { $0.0.hasSuffix("bias") || $0.1.rank == 1 }.map { ObjectIdentifier($0.1) })
    }
}

/// Per-parameter state buffers (one array per named slot) and the step count, with the
/// serialisation every optimizer shares. A parameter that never had a gradient has no
/// buffers yet, as in PyTorch; its keys are then absent, but all of a parameter's slots
/// are saved and loaded together.
struct OptimizerState {
    let slots: [String]
    private(set) var buffers: [String: [Tensor?]]
    var step = 0

    init(slots: [String], parameterCount: Int) {
        self.slots = slots
        buffers = Dictionary(uniqueKeysWithValues: slots.map { ($0, [Tensor?](repeating: nil, count: parameterCount)) })
    }

    subscript(slot: String, index: Int) -> Tensor? {
        get { buffers[slot]![index] }
        set { buffers[slot]![index] = newValue }
    }

    func named() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = [("step", Tensor(shape: [1], [Float(step)]))]
        let count = buffers[slots.first ?? ""]?.count ?? 0
        for i in 0..<count {
            for s in slots { if let t = buffers[s]![i] { out.append(("param.\(i).\(s)", t)) } }
        }
        return out
    }

    /// Validates all of `state` against `parameters` before replacing anything.
    mutating func load(_ state: [String: Tensor], parameters: [Tensor], optimizer: String) throws {
        guard let stepTensor = state["step"] else { throw StateError("\(optimizer) state: missing key 'step'") }
        guard stepTensor.count == 1, stepTensor.item >= 0, stepTensor.item == stepTensor.item.rounded() else {
            throw StateError("\(optimizer) state: key 'step' must hold one non-negative integer, got shape \(stepTensor.shape)")
        }
        var loaded = buffers.mapValues { [Tensor?](repeating: nil, count: $0.count) }
        for (key, t) in state where key != "step" {
            let parts = key.split(separator: ".")
            guard parts.count == 3, parts[0] == "param", let i = Int(parts[1]), slots.contains(String(parts[2])) else {
                throw StateError("\(optimizer) state: unexpected key '\(key)' (expected 'step' or param.<i>.{\(slots.joined(separator: ","))})")
            }
            guard i >= 0 && i < parameters.count else {
                throw StateError("\(optimizer) state: key '\(key)' names parameter \(i) of \(parameters.count)")
            }
            guard t.shape == parameters[i].shape else {
                throw StateError("\(optimizer) state: key '\(key)' has shape \(t.shape), expected \(parameters[i].shape)")
            }
            let copy = Tensor.zeros(t.shape)
            copy.assign(t)
            loaded[String(parts[2])]![i] = copy
        }
        for i in 0..<parameters.count {
            let present = slots.filter { loaded[$0]![i] != nil }
            if !present.isEmpty, let missing = slots.first(where: { loaded[$0]![i] == nil }) {
                throw StateError("\(optimizer) state: missing key 'param.\(i).\(missing)' (have 'param.\(i).\(present[0])')")
            }
        }
        buffers = loaded
        step = Int(stepTensor.item)
    }
}
