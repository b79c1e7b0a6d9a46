import Core
import Foundation
import NeuralNet
import Screen
import Tensor
import XCTest
@testable import Learning

/// The training objectives (supervised, SimCLR, DINO) behind one method-agnostic Trainer loop.
final class TrainingObjectiveTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("objective-\(UUID())")
        try TrainerTests.makeStore(root.appendingPathComponent("crops"))
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    static func config(_ method: TrainConfig.Method) -> TrainConfig {
        var c = TrainConfig()
        c.method = method
        c.epochs = 2
        c.batchSize = 8
        c.validationFraction = 0.34
        c.outDim = 32; c.headHiddenDim = 16; c.headBottleneckDim = 8
        c.projectionDims = [16, 8]
        c.localCropSize = 8
        c.freezeLastLayer = 1
        c.augmentation.cropScaleMin = 0.6
        c.evalEvery = 0
        return c
    }

    /// The per-step losses of a fixed-seed run, read back from metrics.jsonl.
    static func losses(_ run: URL) throws -> [Double] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0["loss"] as? Double }
    }

    /// Loss sequences recorded from the Trainer before its per-method branches became
    /// objective types (main 6a40096, AMD EPYC with AVX2, no AVX-512, 2 threads): the
    /// refactor reproduced them bit for bit in a process alone (tolerance 0). The check
    /// allows 1e-5 relative because the compute thread count changes summation order (after
    /// SegmenterTrainerTests sets 1 thread in the same process the losses move by ~1e-7), as
    /// would another CPU or GEMM path; a change of seeds, views, heads or loss moves them far more.
    static let recorded: [TrainConfig.Method: [Double]] = [
        .supervised: [1.291879653930664, 0.5639142990112305, 0.3714306056499481, 0.360592246055603,
                      0.333394318819046, 0.6213564872741697, 0.38613995909690857, 0.3487470746040343],
        .simclr: [2.4318442344665536, 1.5778522491455078, 3.1406898498535156, 1.2117276191711426,
                  1.6138827800750726, 1.5531805753707886, 2.016979932785034, 1.7036552429199219],
        .dino: [4.255763530731201, 4.748888969421387, 2.1986892223358145, 3.272725582122804,
                2.319409132003784, 3.1156787872314444, 2.5527687072753906, 3.057318687438965],
    ]

    func testFixedSeedLossSequencesAreUnchanged() throws {
        let data = try CropDataset.open(root.appendingPathComponent("crops"), labelColumn: "Metadata_MoA")
        for method in TrainConfig.Method.allCases {
            let dir = root.appendingPathComponent("runs/\(method)")
            try Trainer(config: Self.config(method), data: data, runDirectory: dir).run()
            let got = try Self.losses(dir)
            let want = Self.recorded[method] ?? []
            XCTAssertEqual(got.count, want.count, "\(method): got \(got.map { "\($0)" }.joined(separator: ", "))")
            for (g, w) in zip(got, want) {
                XCTAssertLessThanOrEqual(abs(g - w), 1e-5 * abs(w), "\(method): got \(got.map { "\($0)" }.joined(separator: ", "))")
            }
        }
    }
}
