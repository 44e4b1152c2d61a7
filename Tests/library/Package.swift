// swift-tools-version: 6.1
// A service outside the package that links the Custos library, as the DocC catalog's getting-started
// article tells it to: it sees only the public surface, so this compiles only while every call
// of the article is public, and running it checks what the article says the calls do.
// `make library-check` (part of `make test`).
import PackageDescription

let package = Package(
    name: "LibraryGuide",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Custos", path: "../..")],
    targets: [
        .executableTarget(
            name: "LibraryGuide",
            dependencies: [.product(name: "Custos", package: "Custos")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
