// swift-tools-version: 6.1
// Custos: a privacy-compliance engine. Module floors follow docs/architecture.md:
// each target imports only targets below it.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Custos",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Custos", targets: ["Custos"]),
        .executable(name: "custos", targets: ["CustosCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // `make docs`: the DocC catalog of the library's public surface (a command plugin only).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        // The second store backend (issue 19): PostgreSQL, TLS to a database that is not on loopback.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // floor 0: crypto leaf over libsodium
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "CustosCrypto", dependencies: ["CSodium"], swiftSettings: strict),
        // floor 0: the policy language
        .target(
            name: "CustosPolicy",
            dependencies: ["CustosCrypto", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // floor 1: the pure evaluator
        .target(name: "CustosDecision", dependencies: ["CustosPolicy"], swiftSettings: strict),
        // floor 2: the vault and keyring on SQLite
        .target(
            name: "CustosStore",
            // GRDBSQLite is GRDB's own SQLite module: the gated read's hot statements step through
            // its C API (SQLiteRows.swift).
            dependencies: ["CustosPolicy", "CustosDecision", "CustosCrypto", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // floor 2: the store on PostgreSQL (postgres-nio), beside the SQLite one; so far the decision
        // log shared by several processes (docs/scaling.md)
        .target(
            name: "CustosPostgres",
            dependencies: [
                "CustosStore", "CustosDecision", "CustosPolicy", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // floor 3: reports, read-only over the store
        .target(
            name: "CustosReports",
            dependencies: [
                "CustosPolicy", "CustosDecision", "CustosStore",
                .product(name: "CSV", package: "CSV.swift"), .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")],
            swiftSettings: strict
        ),
        // floor 4: the public facade
        .target(
            name: "Custos",
            dependencies: [
                "CustosPolicy", "CustosDecision", "CustosStore", "CustosCrypto", "CustosReports",
                .product(name: "Yams", package: "Yams"), .product(name: "CSV", package: "CSV.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")],
            swiftSettings: strict
        ),
        // floor 5: HTTP (the service API and AuthZEN) over the facade
        .target(
            name: "CustosServer",
            dependencies: [
                "Custos", "CustosStore", "CustosReports", "CustosCrypto", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Yams", package: "Yams"), .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/Web"), .copy("Resources/Console")],
            swiftSettings: strict
        ),
        // floor 5: the simulation behind `custos demo`
        // The engine over a PostgreSQL vault: the facade's rules over CustosPostgres, in a target of
        // its own so that a user of the SQLite default never builds postgres-nio.
        .target(
            name: "CustosOnPostgres",
            dependencies: ["Custos", "CustosStore", "CustosPostgres", "CustosPolicy", "CustosDecision", "CustosCrypto", "CustosReports"],
            swiftSettings: strict
        ),
        .target(name: "CustosSimulation", dependencies: ["Custos", "CustosStore", "CustosReports", "CustosPostgres", "CustosOnPostgres"], swiftSettings: strict),
        // floor 6: the command line
        .executableTarget(
            name: "CustosCLI",
            dependencies: ["Custos", "CustosStore", "CustosPostgres", "CustosOnPostgres", "CustosReports", "CustosSimulation", "CustosServer", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // `make bench` (release build; not a test): it measures the store's stages (facts load,
        // log append) as well as the facade, so it lives in the package and sees its internals.
        .executableTarget(
            name: "CustosBench",
            dependencies: ["Custos", "CustosStore", "CustosPostgres", "CustosCrypto", "CustosPolicy"],
            path: "Benchmarks/Sources/CustosBench",
            swiftSettings: strict
        ),
        .target(name: "CustosTestSupport", dependencies: ["CustosPolicy"], path: "Tests/Support", swiftSettings: strict),
        .testTarget(
            name: "CustosCryptoTests",
            dependencies: ["CustosCrypto", "CustosTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["FieldCiphertextVectors.json"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CustosPolicyTests",
            dependencies: ["CustosPolicy", "CustosTestSupport", .product(name: "Yams", package: "Yams")],
            exclude: ["Corpus"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CustosDecisionTests",
            dependencies: ["CustosDecision", "CustosTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CustosTests",
            // CustosOnPostgres and PostgresNIO for the suites under `OnBothBackends`, which run on a
            // PostgreSQL vault too when CUSTOS_TEST_POSTGRES names a server (make postgres-check).
            dependencies: ["Custos", "CustosStore", "CustosReports", "CustosTestSupport", "CustosOnPostgres", "CustosPostgres",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Yams", package: "Yams"), .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["EdgePolicy", "Golden"],
            swiftSettings: strict
        ),
        .testTarget(name: "CustosServerTests", dependencies: [
            "CustosServer", "Custos", "CustosStore", "CustosReports", "CustosTestSupport",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // Needs a PostgreSQL server: `make postgres-check` starts a throwaway cluster and runs it.
        .testTarget(name: "CustosPostgresTests", dependencies: ["CustosPostgres", "CustosOnPostgres", "CustosSimulation", "CustosStore", "CustosDecision", "CustosPolicy", "CustosCrypto", "Custos", "CustosReports", "CustosTestSupport", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .testTarget(
            name: "CustosCLITests",
            dependencies: ["CustosCLI", "Custos", "CustosStore", "CustosTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
    ]
)
