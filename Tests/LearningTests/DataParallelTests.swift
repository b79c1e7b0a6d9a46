import Core
import Foundation
import NeuralNet
import Tensor
import XCTest
@testable import Learning

/// Data-parallel training over MPI gives the single-process model: two ranks on localhost,
/// each on its half of every global batch with gradients averaged by `GradientReducer`,
/// end with the weights one process gets on the whole batches.
///
/// `testTwoRanksMatchOneProcess` starts `mpirun -np 2` on this very test binary, running
/// only `testRankWorker`, which does the rank's share and writes its weights to a file.
final class DataParallelTests: XCTestCase {
    static let workerDirectoryVariable = "PHENOSCOPE_DP_TEST_OUT"

    /// A small conv net (no batch norm, whose batch statistics are per rank as in DDP).
    final class Net: Module {
        let conv: Conv2d, head: Linear
        var isTraining = true
        init(seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            conv = Conv2d(2, 4, kernel: 3, padding: 1, rng: &rng)
            head = Linear(4, 3, rng: &rng)
        }
        var children: [(String, any Module)] { [("conv", conv), ("head", head)] }
        func callAsFunction(_ x: Tensor) -> Tensor { head(conv(x).relu().mean(axes: [2, 3])) }
    }

    /// Global batch `step` (8 images, 3 classes), the same on every rank.
    static func batch(_ step: Int) -> (Tensor, [Int]) {
        var rng = RandomGenerator(seed: SeededRandom.derive(99, step))
        let labels = (0..<8).map { _ in Int(rng.next() % 3) }
        let x = Tensor.normal([8, 2, 6, 6], rng: &rng)
        return (x, labels)
    }

    /// Trains for `steps` SGD steps; this rank takes rows rank, rank+size, ... of each batch.
    static func train(communicator: Communicator, steps: Int = 4) throws -> [Float] {
        let net = Net(seed: 7)
        try GradientReducer.broadcast(net.parameters, communicator: communicator)
        let reducer = GradientReducer(parameters: net.parameters, communicator: communicator, bucketElements: 40)
        let sgd = SGD(parameters: net.parameters, learningRate: 0.5, momentum: 0.9, weightDecay: 1e-3)
        for step in 0..<steps {
            let (x, labels) = batch(step)
            let rows = Array(stride(from: communicator.rank, to: labels.count, by: communicator.size))
            let local = x.indexSelect(rows)
            net.zeroGrad()
            crossEntropy(net(local), targets: rows.map { labels[$0] }).backward()
            try reducer.averageGradients()
            sgd.step()
        }
        return net.parameters.flatMap { $0.toArray() }
    }

    func testSingleProcessCommunicatorLeavesValuesAlone() throws {
        var values: [Float] = [1, 2, 3]
        try Communicator.single.allreduceSum(&values)
        try Communicator.single.broadcast(&values)
        XCTAssertEqual(values, [1, 2, 3])
        XCTAssertEqual(try Communicator.world().size, Communicator.isLaunchedByMPI ? try Communicator.world().size : 1)
    }

    func testTwoRanksMatchOneProcess() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dp-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try MPILauncher.runTwoRanks(worker: "LearningTests.DataParallelTests/testRankWorker", variable: Self.workerDirectoryVariable, directory: dir)

        let reference = try Self.train(communicator: .single)
        for rank in 0..<2 {
            let text = try String(contentsOf: dir.appendingPathComponent("rank\(rank).txt"), encoding: .utf8)
            let weights = text.split(separator: "\n").compactMap { Float($0) }
            XCTAssertEqual(weights.count, reference.count, "rank \(rank)")
            let worst = zip(weights, reference).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-5, "rank \(rank): weights differ from the single-process run")
        }
        // And the updates were not trivially zero.
        XCTAssertNotEqual(reference, Net(seed: 7).parameters.flatMap { $0.toArray() })
    }

    func testRankWorker() throws {
        guard Communicator.isLaunchedByMPI, let out = ProcessInfo.processInfo.environment[Self.workerDirectoryVariable] else {
            throw XCTSkip("runs only under mpirun, started by testTwoRanksMatchOneProcess")
        }
        let world = try Communicator.world()
        XCTAssertEqual(world.size, 2)
        let weights = try Self.train(communicator: world)
        try weights.map { String($0) }.joined(separator: "\n")
            .write(to: URL(fileURLWithPath: out).appendingPathComponent("rank\(world.rank).txt"), atomically: true, encoding: .utf8)
    }
}
