// swift-tools-version: 6.1
// Custos benchmarks: `make bench` (release build). Kept apart from the main package so its
// tests and CI never build it; it uses the engine through the public `Custos` library.
import PackageDescription

let package = Package(
    name: "CustosBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Custos", path: "..")],
    targets: [
        .executableTarget(
            name: "CustosBench",
            dependencies: [.product(name: "Custos", package: "Custos")],
            swiftSettings: [.swiftLanguageMode(.v6), .enableUpcomingFeature("InternalImportsByDefault"), .enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
