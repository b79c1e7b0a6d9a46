import CMPI
import Foundation

/// The processes of one data-parallel job: MPI's world communicator when the program was
/// started by an MPI launcher (`mpirun`, `srun`, ...), otherwise a single process of rank 0.
///
/// MPI allows one initialisation per process, so `world()` initialises it on first use and
/// later calls return a communicator over the same world; a plain (not launched) process
/// never touches MPI. Collective calls must be made by every rank in the same order.
public struct Communicator: Sendable {
    public let rank: Int
    public let size: Int
    /// Whether collective calls go through MPI (false: a single process, they are no-ops).
    public let usesMPI: Bool

    /// A single process, for runs without a launcher and for tests.
    public static let single = Communicator(rank: 0, size: 1, usesMPI: false)

    /// The launcher's environment variables that mark an MPI job (Open MPI, MPICH/PMI, PMIx, Slurm).
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// Whether this process was started by an MPI launcher.
    public static var isLaunchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return launcherVariables.contains { env[$0] != nil }
    }

    /// The job's world: MPI when launched by an MPI launcher, `.single` otherwise.
    public static func world() throws -> Communicator {
        guard isLaunchedByMPI else { return .single }
        if cmpi_initialized() == 0 {
            guard cmpi_init() == 0 else { throw CommunicatorError("MPI_Init_thread failed") }
            // Finalize when the process exits normally so the launcher sees a clean end.
            atexit { if cmpi_finalized() == 0 { _ = cmpi_finalize() } }
        }
        return Communicator(rank: Int(cmpi_rank()), size: Int(cmpi_size()), usesMPI: true)
    }

    public var isRoot: Bool { rank == 0 }

    /// Element-wise sum over all ranks, in place.
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard usesMPI, size > 1, let base = buffer.baseAddress else { return }
        try check(cmpi_allreduce_sum_f32(base, Int32(buffer.count)), "MPI_Allreduce")
    }

    public func allreduceSum(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }

    public func allreduceSum(_ values: inout [Double]) throws {
        guard usesMPI, size > 1 else { return }
        try values.withUnsafeMutableBufferPointer { try check(cmpi_allreduce_sum_f64($0.baseAddress!, Int32($0.count)), "MPI_Allreduce") }
    }

    /// Rank `root`'s values on every rank.
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int = 0) throws {
        guard usesMPI, size > 1, let base = buffer.baseAddress else { return }
        try check(cmpi_bcast_f32(base, Int32(buffer.count), Int32(root)), "MPI_Bcast")
    }

    public func broadcast(_ values: inout [Float], root: Int = 0) throws {
        try values.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    }

    public func barrier() throws {
        guard usesMPI, size > 1 else { return }
        try check(cmpi_barrier(), "MPI_Barrier")
    }

    /// A sum over all ranks started now and finished by `wait()`, so the caller can pack or
    /// compute meanwhile. The buffer must stay alive and untouched until then.
    public final class PendingSum {
        var request = cmpi_request_null()
        let active: Bool
        init(active: Bool) { self.active = active }
        public func wait() throws {
            guard active else { return }
            guard cmpi_wait(&request) == 0 else { throw CommunicatorError("MPI_Wait failed") }
        }
    }

    public func startAllreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingSum {
        guard usesMPI, size > 1, let base = buffer.baseAddress else { return PendingSum(active: false) }
        let pending = PendingSum(active: true)
        try check(cmpi_iallreduce_sum_f32(base, Int32(buffer.count), &pending.request), "MPI_Iallreduce")
        return pending
    }

    private func check(_ code: Int32, _ call: String) throws {
        guard code == 0 else { throw CommunicatorError("\(call) failed with MPI error \(code) on rank \(rank) of \(size)") }
    }
}

/// A failed MPI call, naming the call and the rank.
public struct CommunicatorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
