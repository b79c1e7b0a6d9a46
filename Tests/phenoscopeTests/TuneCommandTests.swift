import Foundation
import XCTest
@testable import phenoscope

/// `phenoscope tune` end to end with a stand-in trainer: a shell script that reads its
/// trial config like `phenoscope train` would, appends one metrics.jsonl line per epoch in
/// runs_dir/name, and refuses `--resume` when there is nothing to resume.
final class TuneCommandTests: XCTestCase {
    let trainer = """
    #!/bin/sh
    set -e
    cfg="$1"
    val() { sed -n "s/^$1: *//p" "$cfg" | tr -d "'\\"" ; }
    dir="$(val runs_dir)/$(val name)"
    mkdir -p "$dir"
    if [ "$2" = "--resume" ] && [ ! -f "$dir/metrics.jsonl" ]; then echo "nothing to resume" >&2; exit 3; fi
    if [ "$2" != "--resume" ] && [ -f "$dir/metrics.jsonl" ]; then echo "fresh trial over an old one" >&2; exit 4; fi
    done_epochs=$(cat "$dir/metrics.jsonl" 2>/dev/null | wc -l)
    lr=$(val lr); epochs=$(val epochs)
    e=$done_epochs
    while [ "$e" -lt "$epochs" ]; do
      e=$((e + 1))
      awk -v lr="$lr" -v e="$e" 'BEGIN { l = log(lr) / log(10) + 2; if (l < 0) l = -l; printf "{\\"epoch\\": %d, \\"knn_accuracy\\": %.6f}\\n", e, e / 100 - l }' >> "$dir/metrics.jsonl"
    done
    """

    func testSuccessiveHalvingRunsTrialsAsProcessesAndReportsTheBest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tune-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("fake-train.sh")
        try trainer.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        try "lr: 0.5\nepochs: 100\nname: x\n".write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let tune = dir.appendingPathComponent("tune.yaml")
        try """
        name: search
        runs_dir: runs
        base_config: train.yaml
        command: ["\(script.path)", "{config}"]
        metric: knn_accuracy
        strategy: successive_halving
        min_budget: 1
        max_budget: 9
        eta: 3
        seed: 5
        space:
          lr: {log_uniform: [1.0e-4, 1.0]}
        """.write(to: tune, atomically: true, encoding: .utf8)

        try TuneCommand.parse([tune.path, "--trials", "9", "--parallel", "2", "--quiet"]).run()

        let out = dir.appendingPathComponent("runs/search")
        let rows = try String(contentsOf: out.appendingPathComponent("trials.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 9 + 3 + 1)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tune.json"))) as? [String: Any])
        XCTAssertEqual(summary["best_budget"] as? Int, 9)
        // The best trial is the one whose lr is closest to 1e-2 among the 9 sampled.
        let firstRung = rows.prefix(9).map { $0.split(separator: ",") }
        let closest = firstRung.min { abs(log10(Double($0[3])!) + 2) < abs(log10(Double($1[3])!) + 2) }!
        XCTAssertEqual(summary["best_trial"] as? Int, Int(closest[0]))
        let best = try String(contentsOf: out.appendingPathComponent("best.yaml"), encoding: .utf8)
        XCTAssertTrue(best.contains("epochs: 9"), best)
        XCTAssertTrue(best.contains("lr: \(closest[3])"), best)
        // The winner was trained 9 epochs in three calls (1, then resumed to 3, then to 9).
        let metrics = try String(contentsOf: out.appendingPathComponent(String(format: "trial-%03d/metrics.jsonl", Int(closest[0])!)), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 9)
        // No trial config is left beside the base config.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }

    func testBadSpecsNameTheKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tune-bad-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "epochs: 1\n".write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        for (body, expected) in [
            ("name: a\nbase_config: train.yaml\nmetric: m\nspace: {lr: {log_uniform: [0, 1]}}\nlearning: 1\n", "learning: unknown key"),
            ("name: a\nbase_config: train.yaml\nmetric: m\nspace: {lr: {log_uniform: [0, 1]}}\n", "positive low bound"),
            ("name: a\nbase_config: train.yaml\nmetric: m\nspace: {lr: {normal: [0, 1]}}\n", "unknown distribution 'normal'"),
            ("name: a\nbase_config: missing.yaml\nmetric: m\nspace: {lr: {uniform: [0, 1]}}\n", "base_config"),
            ("name: a\nbase_config: train.yaml\nspace: {lr: {uniform: [0, 1]}}\n", "metric: required"),
        ] {
            let f = dir.appendingPathComponent("t.yaml")
            try body.write(to: f, atomically: true, encoding: .utf8)
            let cmd = try TuneCommand.parse([f.path, "--quiet"])
            XCTAssertThrowsError(try cmd.tune()) { e in XCTAssertTrue("\(e)".contains(expected), "\(body): \(e)") }
        }
    }
}
