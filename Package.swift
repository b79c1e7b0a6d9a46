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
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CDNNL"]),
        .target(name: "NeuralNet", dependencies: ["Tensor"]),
        .target(name: "CTIFF", linkerSettings: [.linkedLibrary("tiff")]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "Imaging", dependencies: ["NeuralNet", "Tensor", "CTIFF", "CZlib"]),
        .target(name: "Screen", dependencies: [
            "Imaging", "Tensor",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], resources: [.copy("Resources/bbbc021")]),
        .target(name: "Profiling", dependencies: ["Tensor", "Screen", "Imaging", "COpenBLAS"]),
        .target(name: "CVectorKernels"),
        .target(name: "Search", dependencies: ["Tensor", "COpenBLAS", "CVectorKernels"]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),
        .target(name: "Learning", dependencies: ["NeuralNet", "Tensor", "Imaging", "Screen", "CMPI", .product(name: "Yams", package: "Yams")]),
        .target(name: "Server", dependencies: [
            "Search", "Profiling", "Screen", "Imaging", "Tensor",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .executableTarget(name: "phenoscope", dependencies: [
            "Tensor", "NeuralNet", "Imaging", "Screen", "Profiling", "Search", "Learning", "Server",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Tensor"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "ScreenTests", dependencies: ["Screen"], exclude: ["Fixtures"]),
        .testTarget(name: "ProfilingTests", dependencies: ["Profiling", "Screen", "Tensor"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "SearchTests", dependencies: ["Search"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "NeuralNet", "Tensor", "Screen"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Search", "Screen", "Imaging", "Tensor",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "phenoscopeTests", dependencies: ["phenoscope", "Learning", "Profiling", "Screen", "Search", "Tensor"]),
    ],
    swiftLanguageModes: [.v5]
)
