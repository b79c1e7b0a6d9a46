import XCTest
import Tensor
@testable import NeuralNet

/// Optimizer state save/restore: training 3 steps, restoring the state into a fresh
/// optimizer and training 2 more must equal 5 uninterrupted steps bit for bit, which is
/// what `--resume` promises.
final class OptimizerStateTests: XCTestCase {
    typealias Make = ([Tensor], Set<ObjectIdentifier>) -> any Optimizer

    static let makers: [(String, Make)] = [
        ("SGD", { SGD(parameters: $0, learningRate: 0.05, momentum: 0.9, weightDecay: 0.01, noDecay: $1) }),
        ("AdamW", { AdamW(parameters: $0, learningRate: 0.01, weightDecay: 0.05, noDecay: $1) }),
        ("LARS", { LARS(parameters: $0, learningRate: 0.5, weightDecay: 0.01, eta: 0.02, noDecay: $1) }),
    ]

    func trainSteps(_ model: any Layer, _ opt: any Optimizer, steps: Range<Int>) {
        for s in steps {
            var rng = RandomGenerator(seed: UInt64(100 + s))
            let x = Tensor.normal([4, 6], rng: &rng)
            model.zeroGrad()
            crossEntropy(model(x), targets: [0, 1, 2, 0]).backward()
            opt.schedule(step: s)
            opt.step()
        }
    }

    func model() -> Sequential {
        var rng = RandomGenerator(seed: 9)
        return Sequential([Linear(6, 5, rng: &rng), GELU(), Linear(5, 3, rng: &rng)])
    }

    func testResumeIsBitExact() throws {
        for (name, make) in Self.makers {
            let straight = model()
            trainSteps(straight, make(straight.parameters, straight.noDecayParameters), steps: 0..<5)

            let first = model()
            let opt1 = make(first.parameters, first.noDecayParameters)
            trainSteps(first, opt1, steps: 0..<3)
            let saved = Dictionary(uniqueKeysWithValues: opt1.namedState().map { ($0.0, Tensor(shape: $0.1.shape, $0.1.toArray())) })
            let resumed = model()
            for (p, q) in zip(resumed.parameters, first.parameters) { p.assign(q) }
            let opt2 = make(resumed.parameters, resumed.noDecayParameters)
            try opt2.loadState(saved)
            trainSteps(resumed, opt2, steps: 3..<5)

            for ((n, a), (_, b)) in zip(straight.namedParameters(), resumed.namedParameters()) {
                XCTAssertEqual(a.toArray(), b.toArray(), "\(name) \(n) differs after resume")
            }
            XCTAssertEqual(saved["step"]?.item, 3, name)
            XCTAssertNotEqual(straight.parameters[0].toArray(), model().parameters[0].toArray(), "\(name) did not train")
        }
    }

    func testStateKeysNameParameterSlots() {
        let m = model()
        let sgd = SGD(parameters: m.parameters, learningRate: 0.1, momentum: 0.9)
        trainSteps(m, sgd, steps: 0..<1)
        XCTAssertEqual(sgd.namedState().map(\.0), ["step", "param.0.momentum", "param.1.momentum", "param.2.momentum", "param.3.momentum"])
        let adam = AdamW(parameters: m.parameters)
        trainSteps(m, adam, steps: 0..<1)
        XCTAssertEqual(adam.namedState().map(\.0).prefix(3), ["step", "param.0.exp_avg", "param.0.exp_avg_sq"])
    }

    func testLoadStateErrorsNameTheKey() {
        let m = model()
        let adam = AdamW(parameters: m.parameters)
        let one = Tensor.ones([1]), w = Tensor.zeros([5, 6])
        let cases: [([String: Tensor], String)] = [
            ([:], "AdamW state: missing key 'step'"),
            (["step": one, "param.0.exp_avg": w], "AdamW state: missing key 'param.0.exp_avg_sq' (have 'param.0.exp_avg')"),
            (["step": one, "param.0.exp_avg": w, "param.0.exp_avg_sq": Tensor.zeros([6, 5])],
             "AdamW state: key 'param.0.exp_avg_sq' has shape [6, 5], expected [5, 6]"),
            (["step": one, "param.9.exp_avg": w], "AdamW state: key 'param.9.exp_avg' names parameter 9 of 4"),
            (["step": one, "param.0.momentum": w],
             "AdamW state: unexpected key 'param.0.momentum' (expected 'step' or param.<i>.{exp_avg,exp_avg_sq})"),
        ]
        for (state, message) in cases {
            XCTAssertThrowsError(try adam.loadState(state)) { XCTAssertEqual("\($0)", message) }
        }
    }

    func testNoDecayParametersAreBiasesAndVectors() {
        let m = model()
        let names = m.namedParameters().filter { m.noDecayParameters.contains(ObjectIdentifier($0.1)) }.map(\.0)
        XCTAssertEqual(names, ["0.bias", "2.bias"])
    }

    /// With zero gradients, only weight decay moves parameters: excluded ones stay put.
    func testExcludedParametersAreNotDecayed() {
        for (name, make) in Self.makers {
            let m = model()
            let before = m.parameters.map { $0.toArray() }
            let opt = make(m.parameters, m.noDecayParameters)
            for p in m.parameters { p.grad = Tensor.zeros(p.shape) }
            opt.step()
            for ((n, p), b) in zip(m.namedParameters(), before) {
                if n.hasSuffix("bias") { XCTAssertEqual(p.toArray(), b, "\(name) decayed \(n)") }
                else { XCTAssertNotEqual(p.toArray(), b, "\(name) did not decay \(n)") }
            }
        }
    }
}

extension Optimizer {
    /// A learning rate that changes every step, so resuming must get the schedule right too.
    func schedule(step: Int) {
        learningRate = CosineSchedule(base: 0.05, final: 0.001, totalSteps: 5, warmupSteps: 1).value(at: step) + 1e-3
    }
}
