import Learning
import XCTest

/// model.json's channel matching: stores are matched to the model's recorded channel names,
/// whatever their order, and the recorded statistics follow the channels.
final class BackboneInfoTests: XCTestCase {
    func info(names: [String]?) -> BackboneInfo {
        BackboneInfo(arch: "cnn4", channels: 3, imageSize: 16, patchSize: 16, dim: 8, method: "simclr",
                     channelNames: names, channelMean: [0.1, 0.2, 0.3], channelStd: [1, 2, 3])
    }

    func testChannelsAreMatchedByName() throws {
        let model = info(names: ["DNA", "Tubulin", "Actin"])
        XCTAssertEqual(try model.channelOrder(of: ["DNA", "Tubulin", "Actin"], source: "s"), [0, 1, 2])
        XCTAssertEqual(try model.channelOrder(of: ["Actin", "DNA", "Tubulin"], source: "s"), [1, 2, 0])
        // The statistics land on the store's channel of the same name.
        let s = try model.standardization(forChannels: ["Actin", "DNA", "Tubulin"], source: "s")
        XCTAssertEqual(s?.mean, [0.3, 0.1, 0.2])
        XCTAssertEqual(s?.std, [3, 1, 2])
    }

    func testMismatchedChannelsAreRefusedByName() {
        let model = info(names: ["DNA", "Tubulin", "Actin"])
        XCTAssertThrowsError(try model.channelOrder(of: ["DNA", "Actin"], source: "s")) {
            XCTAssertEqual("\($0)", "s: 2 channels (DNA, Actin); the model's channels are DNA, Tubulin, Actin")
        }
        XCTAssertThrowsError(try model.channelOrder(of: ["DNA", "Tubulin", "Mito"], source: "s")) {
            XCTAssertEqual("\($0)", "s: no channel 'Actin' among (DNA, Tubulin, Mito); the model's channels are DNA, Tubulin, Actin")
        }
        let repeated = info(names: ["DNA", "DNA", "Actin"])
        XCTAssertThrowsError(try repeated.channelOrder(of: ["DNA", "Tubulin", "Actin"], source: "s")) {
            XCTAssertEqual("\($0)", "s: channels (DNA, Tubulin, Actin) repeat a name; the model's channels are DNA, DNA, Actin")
        }
    }

    func testWithoutNamesTheOrderIsTakenAsGiven() throws {
        let model = info(names: nil)
        XCTAssertEqual(try model.channelOrder(of: ["c", "b", "a"], source: "s"), [0, 1, 2])
        XCTAssertEqual(try model.standardization(forChannels: ["c", "b", "a"], source: "s")?.mean, [0.1, 0.2, 0.3])
        XCTAssertThrowsError(try model.channelOrder(of: ["a"], source: "s")) {
            XCTAssertEqual("\($0)", "s: 1 channels (a), the model expects 3")
        }
    }

    func testChannelNamesMustMatchTheChannelCount() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backbone-info-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var bad = info(names: ["DNA", "Actin"])
        try bad.write(to: dir.appendingPathComponent("model.json"))
        XCTAssertThrowsError(try BackboneInfo.read(folder: dir)) {
            XCTAssertEqual("\($0)", "\(dir.path)/model.json: channel_names lists 2 channels, channels is 3")
        }
        bad.channelNames = ["DNA", "Tubulin", "Actin"]
        try bad.write(to: dir.appendingPathComponent("model.json"))
        XCTAssertEqual(try BackboneInfo.read(folder: dir), bad)
    }
}

/// model.json's `intensity_scaling`: statistics recorded for intensity / 255 (an ImageNet-style
/// checkpoint) standardize a crop exactly as (x / 255 - mean) / std, though crops are read
/// as intensity / 65535; files without the field mean 65535.
final class IntensityScalingTests: XCTestCase {
    func testStatisticsOfAnotherDivisorStandardizeAsTheyWereRecorded() throws {
        let mean = [0.485, 0.456], std = [0.229, 0.224]
        let info = BackboneInfo(arch: "resnet18", channels: 2, imageSize: 32, patchSize: 16, dim: 512, method: "import",
                                channelNames: ["DNA", "Actin"], channelMean: mean, channelStd: std,
                                intensityScaling: IntensityScaling(divisor: 255))
        let s = try XCTUnwrap(info.standardization)
        for code in [0.0, 17, 128, 255, 4095, 65535] {
            for c in 0..<2 {
                let expected = (code / 255 - mean[c]) / std[c]
                let got = (code / 65535 - s.mean[c]) / s.std[c]
                XCTAssertEqual(got, expected, accuracy: 1e-9 * max(1, abs(expected)))
            }
        }
        // The default (and an older file without the field) leaves the statistics as recorded.
        var plain = info
        plain.intensityScaling = nil
        XCTAssertEqual(plain.standardization?.mean, mean)
        plain.intensityScaling = .sixteenBit
        XCTAssertEqual(plain.standardization?.std, std)
    }

    func testTheFieldRoundTripsAndABadDivisorIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intensity-scaling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.json")
        var info = BackboneInfo(arch: "cnn4", channels: 1, imageSize: 16, patchSize: 16, dim: 8, method: "simclr",
                                channelNames: nil, channelMean: [0.5], channelStd: [0.25], intensityScaling: IntensityScaling(divisor: 255))
        try info.write(to: url)
        XCTAssertTrue(String(decoding: try Data(contentsOf: url), as: UTF8.self).contains("\"intensity_scaling\""))
        XCTAssertEqual(try BackboneInfo.read(folder: dir), info)
        try Data(#"{"arch": "cnn4", "channels": 1, "image_size": 16, "patch_size": 16}"#.utf8).write(to: url)
        XCTAssertNil(try BackboneInfo.read(folder: dir).intensityScaling)
        info.intensityScaling = IntensityScaling(divisor: 0)
        try info.write(to: url)
        XCTAssertThrowsError(try BackboneInfo.read(folder: dir)) {
            XCTAssertEqual("\($0)", "\(url.path): intensity_scaling.divisor 0.0; expected a positive finite number (65535: 16-bit intensities to [0, 1])")
        }
    }
}
