import XCTest
import Foundation
import Tensor
@testable import NeuralNet

/// NT-Xent, DINO loss, SGD/AdamW/LARS, cosine schedules, gradient clipping and the EMA
/// teacher update against PyTorch on identical small inputs (fixture from
/// scripts/reference/objectives_parity.py).
final class ObjectivesParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct NTXent: Decodable {
            let z1, z2: [Float]; let shape: [Int]; let temperature: Float
            let loss: Float; let grad_z1, grad_z2: [Float]
        }
        struct DINO: Decodable {
            let batch, out_dim: Int; let student, teacher: [[Float]]; let center: [Float]
            let student_temperature, teacher_temperature, center_momentum: Float
            let loss: Float; let grads: [[Float]]; let new_center: [Float]
        }
        struct Run: Decodable {
            let config: [String: Float]; let initial: [[Float]]; let after_step: [[[Float]]]
        }
        struct Optimizers: Decodable {
            let shapes: [[Int]]; let grads: [[[Float]]]; let sgd, adamw, lars: Run
        }
        struct Schedule: Decodable {
            let base, final, start: Float; let total, warmup: Int; let values: [Double]
        }
        struct Clip: Decodable { let max_norm, norm: Float; let grads: [[Float]] }
        struct EMA: Decodable { let momentum: Float; let student, teacher, updated: [String: [Float]] }
        let ntxent: NTXent; let dino: DINO; let optimizers: Optimizers
        let schedules: [Schedule]; let clip: [Clip]; let ema: EMA
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/objectives_parity.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    /// Max abs difference within `rtol` times the reference's largest magnitude.
    func assertClose(_ ours: [Float], _ ref: [Float], _ what: String, rtol: Float = 1e-5,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.count, ref.count, what, file: file, line: line)
        let scale = Swift.max(ref.map { Swift.abs($0) }.max() ?? 0, 1e-12)
        let maxAbs = zip(ours, ref).map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(maxAbs, rtol * scale, "\(what): max abs error \(maxAbs), reference max \(scale)", file: file, line: line)
    }

    func testNTXentMatchesTorch() {
        let f = Self.fixture.ntxent
        let z1 = Tensor(shape: f.shape, f.z1, requiresGrad: true), z2 = Tensor(shape: f.shape, f.z2, requiresGrad: true)
        let loss = ntXentLoss(z1, z2, temperature: f.temperature)
        loss.backward()
        assertClose([loss.item], [f.loss], "loss")
        assertClose(z1.grad!.toArray(), f.grad_z1, "grad z1")
        assertClose(z2.grad!.toArray(), f.grad_z2, "grad z2")
    }

    func testDINOLossMatchesTorch() throws {
        let f = Self.fixture.dino
        let student = f.student.map { Tensor(shape: [f.batch, f.out_dim], $0, requiresGrad: true) }
        let teacher = f.teacher.map { Tensor(shape: [f.batch, f.out_dim], $0) }
        let dino = DINOLoss(outDim: f.out_dim, studentTemperature: f.student_temperature, centerMomentum: f.center_momentum)
        try dino.loadState(["center": Tensor(shape: [1, f.out_dim], f.center)])
        let loss = dino(student: student, teacher: teacher, teacherTemperature: f.teacher_temperature)
        loss.backward()
        assertClose([loss.item], [f.loss], "loss")
        for (k, s) in student.enumerated() { assertClose(s.grad!.toArray(), f.grads[k], "grad crop \(k)") }
        assertClose(dino.center.toArray(), f.new_center, "center")
    }

    /// Runs three steps with the fixture's gradients; the bias (index 1) is excluded from decay.
    func checkOptimizer(_ run: Fixture.Run, _ name: String, _ make: ([Tensor], Set<ObjectIdentifier>) -> any Optimizer) {
        let o = Self.fixture.optimizers
        let params = zip(o.shapes, run.initial).map { Tensor(shape: $0, $1, requiresGrad: true) }
        let opt = make(params, [ObjectIdentifier(params[1])])
        for t in 0..<3 {
            for (k, p) in params.enumerated() { p.grad = Tensor(shape: o.shapes[k], o.grads[t][k]) }
            opt.step()
            for (k, p) in params.enumerated() { assertClose(p.toArray(), run.after_step[t][k], "\(name) step \(t + 1) param \(k)") }
        }
    }

    func testSGDMatchesTorch() {
        let r = Self.fixture.optimizers.sgd
        checkOptimizer(r, "SGD") {
            SGD(parameters: $0, learningRate: r.config["lr"]!, momentum: r.config["momentum"]!,
                weightDecay: r.config["weight_decay"]!, noDecay: $1)
        }
    }

    func testAdamWMatchesTorch() {
        let r = Self.fixture.optimizers.adamw
        checkOptimizer(r, "AdamW") {
            AdamW(parameters: $0, learningRate: r.config["lr"]!, weightDecay: r.config["weight_decay"]!, noDecay: $1)
        }
    }

    func testLARSMatchesDINO() {
        let r = Self.fixture.optimizers.lars
        // The exclusion set is empty on purpose: LARS exempts the 1-D bias by rank alone.
        checkOptimizer(r, "LARS") { params, _ in
            LARS(parameters: params, learningRate: r.config["lr"]!, momentum: r.config["momentum"]!,
                 weightDecay: r.config["weight_decay"]!, eta: r.config["eta"]!)
        }
    }

    func testCosineScheduleMatchesDINO() {
        for s in Self.fixture.schedules {
            let schedule = CosineSchedule(base: s.base, final: s.final, totalSteps: s.total, warmupSteps: s.warmup, warmupStart: s.start)
            XCTAssertEqual(s.values.count, s.total)
            for (i, v) in s.values.enumerated() {
                XCTAssertEqual(schedule.value(at: i), Float(v), "schedule \(s) step \(i)")
            }
        }
    }

    func testClipGradientNormMatchesTorch() {
        let shapes = Self.fixture.optimizers.shapes
        for c in Self.fixture.clip {
            let params = shapes.map { Tensor.zeros($0, requiresGrad: true) } + [Tensor.zeros([2], requiresGrad: true)]
            for (k, s) in shapes.enumerated() {
                let n = s.reduce(1, *)
                params[k].grad = Tensor(shape: s, (0..<n).map { Float(2 * sin((0.31 + 0.2 * Double(k)) * Double($0) + Double(k))) })
            }
            let norm = clipGradientNorm(params, maxNorm: c.max_norm)
            assertClose([norm], [c.norm], "norm max \(c.max_norm)")
            for k in 0..<shapes.count { assertClose(params[k].grad!.toArray(), c.grads[k], "grad \(k) max \(c.max_norm)") }
            XCTAssertNil(params[3].grad)
        }
    }

    func testEMAUpdateMatchesDINO() {
        let e = Self.fixture.ema
        var rng = RandomGenerator(seed: 1)
        let student = Linear(4, 3, rng: &rng), teacher = Linear(4, 3, rng: &rng)
        for (name, p) in student.namedParameters() { p.assign(Tensor(shape: p.shape, e.student[name]!)) }
        for (name, p) in teacher.namedParameters() { p.assign(Tensor(shape: p.shape, e.teacher[name]!)) }
        updateExponentialMovingAverage(target: teacher, source: student, momentum: e.momentum)
        for (name, p) in teacher.namedParameters() { assertClose(p.toArray(), e.updated[name]!, "teacher \(name)", rtol: 1e-6) }
        for (name, p) in student.namedParameters() { XCTAssertEqual(p.toArray(), e.student[name]!, "student \(name) unchanged") }
    }
}
