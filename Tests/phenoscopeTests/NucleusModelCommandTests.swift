import Foundation
import XCTest
import Imaging
import NeuralNet
import Screen
import Tensor
@testable import phenoscope

/// The `--method model` paths of `segment`, `segment-eval` and `bench segment`, with a
/// hand-set two-level U-Net instead of trained weights: its convolutions pass the normalized
/// image through unchanged (one centre tap each, the coarse level zeroed) and its head
/// thresholds it, foreground above 0.3 and distance (seeds) above 0.6, so what it finds is
/// known in advance.
final class NucleusModelCommandTests: XCTestCase {
    static func thresholdingModel(in dir: URL) throws -> NucleusSegmenter {
        let config = UNet.Config(inChannels: 1, outChannels: 2, widths: [1, 1])
        let net = UNet(config: config)
        func set(_ name: String, _ values: [Float]) {
            guard let t = net.stateDict().first(where: { $0.0 == name })?.1 else { return XCTFail("no \(name)") }
            withNoGrad { t.assign(Tensor(shape: t.shape, values)) }
        }
        func centreTap(channels: Int, at channel: Int) -> [Float] {
            (0..<(channels * 9)).map { $0 == channel * 9 + 4 ? 1 : 0 }
        }
        set("down.0.conv1.weight", centreTap(channels: 1, at: 0))
        set("down.0.conv2.weight", centreTap(channels: 1, at: 0))
        set("down.1.conv1.weight", [Float](repeating: 0, count: 9))
        set("down.1.conv2.weight", [Float](repeating: 0, count: 9))
        set("up.0.conv1.weight", centreTap(channels: 2, at: 1))  // [upsampled coarse, skip]: the skip
        set("up.0.conv2.weight", centreTap(channels: 1, at: 0))
        set("head.weight", [20, 20])
        set("head.bias", [-6, -12])
        let info = NucleusModelInfo(unet: config, normalization: PercentileNormalization(), training: nil)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try info.write(dir.appendingPathComponent("model.json"))
        try SafeTensors.write(net.stateDict(), to: dir.appendingPathComponent("model.safetensors"))
        return try NucleusSegmenter(folder: dir)
    }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nucleus-model-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Separate discs (16-bit, radius 7) in the label-pairs layout: the thresholding model finds
    /// each exactly, so every figure is perfect; classic scoring on the same folder runs too.
    func testSegmentEvalScoresAFolderWithTheModelAndClassically() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.thresholdingModel(in: dir.appendingPathComponent("model"))
        let data = dir.appendingPathComponent("data")
        for (n, centres) in [("a", [(20, 20), (50, 30), (80, 60)]), ("b", [(30, 40), (70, 20)])] {
            var image = Image<UInt16>(width: 100, height: 80, repeating: 100)
            var labels = Image<Int32>(width: 100, height: 80, repeating: 0)
            for (k, c) in centres.enumerated() {
                for y in 0..<80 { for x in 0..<100 where (x - c.0) * (x - c.0) + (y - c.1) * (y - c.1) <= 49 {
                    image[x, y] = 1000; labels[x, y] = Int32(k + 1)
                } }
            }
            try TIFFWriter.write(image, to: data.appendingPathComponent("images/\(n).tif"))
            try TIFFWriter.write(labels, to: data.appendingPathComponent("masks/\(n).tif"))
        }
        let ids = dir.appendingPathComponent("ids.txt")
        try "# one id a line\nb\n".write(to: ids, atomically: true, encoding: .utf8)
        for method in ["model", "classic"] {
            let csv = dir.appendingPathComponent("\(method).csv")
            var args = [data.path, "--method", method, "--out", csv.path, "--quiet"]
            if method == "model" { args += ["--model", dir.appendingPathComponent("model").path] }
            var command = try SegmentEvalCommand.parse(args)
            try command.run()
            let table = try CSVTable(contentsOf: csv)
            XCTAssertEqual(table.rows.map { $0[0] }, ["a", "b"])
            let f1 = try table.requireColumn("f1_iou50"), dsb = try table.requireColumn("dsb_score")
            if method == "model" {
                XCTAssertEqual(table.rows.map { $0[f1] }, ["1.000000", "1.000000"])
                XCTAssertEqual(table.rows.map { $0[dsb] }, ["1.000000", "1.000000"])
            }
            command = try SegmentEvalCommand.parse(args + ["--ids", ids.path])
            try command.run()
            XCTAssertEqual(try CSVTable(contentsOf: csv).rows.map { $0[0] }, ["b"])
        }
        // An id that is not there, and a model option without the model method.
        try "b\nzz\n".write(to: ids, atomically: true, encoding: .utf8)
        var command = try SegmentEvalCommand.parse([data.path, "--ids", ids.path, "--quiet"])
        XCTAssertThrowsError(try command.run()) { e in XCTAssertTrue("\(e)".contains("'zz'"), "\(e)") }
        XCTAssertThrowsError(try SegmentEvalCommand.parse([data.path, "--tta"])) { e in
            XCTAssertTrue(SegmentEvalCommand.message(for: e).contains("--method model"), SegmentEvalCommand.message(for: e))
        }
        command = try SegmentEvalCommand.parse([data.path, "--method", "model", "--model", dir.path, "--quiet"])
        XCTAssertThrowsError(try command.run()) { e in XCTAssertTrue("\(e)".contains("no model.json"), "\(e)") }
    }

    /// `segment --method model` writes the model's nuclei and grows the cells from them exactly
    /// as the classic path grows them from its own.
    func testSegmentVerbUsesTheModelForNucleiAndGrowsCellsAsClassic() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let segmenter = try Self.thresholdingModel(in: dir.appendingPathComponent("model"))
        var layout = ScreenLayout.standard(plates: 1, sitesPerWell: 1, seed: 3)
        layout.wells = Array(layout.wells.prefix(2))
        _ = try SyntheticScreen(layout: layout, width: 160, height: 128, defectRate: 0, seed: 3).write(to: dir.appendingPathComponent("screen"))
        let manifestURL = dir.appendingPathComponent("screen/manifest.csv")
        var command = try SegmentCommand.parse([manifestURL.path, "--out", dir.appendingPathComponent("seg").path, "--method", "model",
                                                "--model", dir.appendingPathComponent("model").path, "--quiet"])
        try command.run()
        let masks = try MaskIndex.load(dir.appendingPathComponent("seg/masks.csv"))
        let manifest = try Manifest.load(manifestURL)
        var found = 0
        for row in manifest.rows {
            let planes = try manifest.channels.map { try TIFFReader.readFloat(manifest.imageURL(row, channel: $0)!) }
            let expectedNuclei = segmenter.nuclei(planes[0])
            let entry = try XCTUnwrap(masks.entries[row.siteKey])
            XCTAssertEqual(try TIFFReader.readLabels(entry.nuclei), expectedNuclei)
            XCTAssertEqual(try TIFFReader.readLabels(entry.cells),
                           Segmentation().cells(nuclei: expectedNuclei, cytoplasm: Array(planes.dropFirst())))
            found += Set(expectedNuclei.pixels).count - 1
        }
        XCTAssertGreaterThan(found, 0)
    }

    func testBenchSegmentRunsBothMethods() throws {
        var command = try BenchSegmentCommand.parse(["--untrained", "--sites", "1", "--width", "96", "--height", "80",
                                                     "--repeats", "1", "--threads", "1", "--quiet"])
        XCTAssertNoThrow(try command.run())
        XCTAssertThrowsError(try BenchSegmentCommand.parse(["--untrained", "--model", "x"]))
    }
}
