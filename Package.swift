// swift-tools-version:6.0
//
// One target per row of DESIGN.md's module table; arrows only point down that table.
// C libraries come in through thin system-library targets (prefix `C`).
import PackageDescription

let package = Package(
    name: "Phenoscope",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "phenoscope", targets: ["phenoscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .target(name: "Core"),
        .target(name: "Tensor", dependencies: ["Core", "COpenBLAS", "CDNNL"]),
        .target(name: "NeuralNet", dependencies: ["Tensor"]),
        .target(name: "CTIFF", linkerSettings: [.linkedLibrary("tiff")]),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png")]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        .systemLibrary(name: "CBlosc", path: "Sources/CBlosc"),
        .target(name: "Imaging", dependencies: ["NeuralNet", "Tensor", "Core", "CTIFF", "CPNG", "CZlib", "CZstd", "CBlosc"]),
        .target(name: "Screen", dependencies: [
            "Imaging", "Core",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], resources: [.copy("Resources/bbbc021")]),
        .target(name: "Profiling", dependencies: ["Search", "Screen", "Imaging", "Core", "COpenBLAS"]),
        .target(name: "CVectorKernels"),
        .target(name: "Search", dependencies: ["Core", "COpenBLAS", "CVectorKernels"]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),
        .target(name: "Learning", dependencies: ["NeuralNet", "Tensor", "Core", "Imaging", "Screen", "CMPI", .product(name: "Yams", package: "Yams")]),
        .target(name: "Workflow", dependencies: [
            "Learning", "Profiling", "Search", "Screen", "Imaging", "NeuralNet", "Tensor", "Core", .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Server", dependencies: [
            "Workflow", "Search", "Profiling", "Screen", "Imaging", "Core",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .executableTarget(name: "phenoscope", dependencies: [
            "Core", "Tensor", "NeuralNet", "Imaging", "Screen", "Profiling", "Search", "Learning", "Workflow", "Server",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // Replays the fuzz corpus when built normally; scripts/fuzz.sh builds it for libFuzzer.
        .executableTarget(name: "FuzzDecoders", dependencies: ["Imaging", "Screen", "Core", "Learning", "Search", "Workflow", "Server"]),
        .testTarget(name: "CoreTests", dependencies: ["Core"], exclude: ["Fixtures"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Tensor"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "NeuralNet", "Tensor", "Core", "CZlib", "CZstd", "CBlosc"], exclude: ["Fixtures"]),
        .testTarget(name: "ScreenTests", dependencies: ["Screen", "Core", .product(name: "GRDB", package: "GRDB.swift")], exclude: ["Fixtures"]),
        .testTarget(name: "ProfilingTests", dependencies: ["Profiling", "Screen", "Core"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Core"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "NeuralNet", "Tensor", "Core", "Screen"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Workflow", "Search", "Screen", "Imaging", "Core",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "WorkflowTests", dependencies: ["Workflow", "Learning", "Profiling", "Screen", "Search", "Imaging", "Core"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "phenoscopeTests", dependencies: ["phenoscope", "Workflow", "Learning", "Profiling", "Screen", "Search", "Core", "Tensor"]),
    ],
    swiftLanguageModes: [.v5]
)
