import Foundation
import Learning
import XCTest

/// Starts this test binary under `mpirun -np 2` running one worker test, so a launcher test
/// can compare what the ranks wrote with a single-process run. The worker finds its output
/// folder in the environment variable the launcher names.
enum MPILauncher {
    /// Runs `worker` (e.g. "LearningTests.DataParallelTests/testRankWorker") on 2 ranks with
    /// `variable=directory` exported; fails the calling test with mpirun's log on a non-zero exit.
    /// Skips where this process is itself a rank or mpirun is not installed.
    static func runTwoRanks(worker: String, variable: String, directory: URL,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        if Communicator.isLaunchedByMPI { throw XCTSkip("launcher side; under mpirun only the rank worker runs") }
        guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("mpirun not found (scripts/bootstrap.sh installs openmpi-bin)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "2",
                             "-x", "\(variable)=\(directory.path)", CommandLine.arguments[0], worker]
        let log = directory.appendingPathComponent("mpirun.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, "mpirun failed:\n\(output.suffix(2000))", file: file, line: line)
    }
}
