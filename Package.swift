// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "kontextd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kontextd", targets: ["kontextd"]),
        .executable(name: "runware-sim", targets: ["runware-sim"]),
        .executable(name: "kontextd-bench", targets: ["kontextd-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        // Already in the graph through swift-configuration's YAML trait; read directly to list the
        // keys a configuration file sets (unknown keys are mistakes).
        .package(url: "https://github.com/jpsim/Yams", "5.4.0"..<"7.0.0"),
    ],
    targets: [
        // System libraries: pkg-config plus a small shim header, nothing else.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CImageCodecs", pkgConfig: "libturbojpeg libpng libwebp",
            providers: [.apt(["libturbojpeg0-dev", "libpng-dev", "libwebp-dev"])]),

        // Pure Swift: task model, validation, result parsing, state machine, image verification.
        .target(name: "KontextCore", swiftSettings: strict),
        // The one primitive for a thread that owns a blocking resource (SQLite connection, curl handle).
        .target(name: "KontextThreads", swiftSettings: strict),
        // SHA-256, HMAC-SHA256 and constant-time comparison over libcrypto.
        .target(name: "KontextCrypto", dependencies: ["COpenSSL"], swiftSettings: strict),
        // SQLite store (single writer, group commit) and content-addressed image files.
        .target(
            name: "KontextStore",
            dependencies: [
                "CSQLite", "KontextCore", "KontextCrypto", "KontextThreads", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // libcurl client and the minimal SwiftNIO HTTP/1.1 server.
        .target(
            name: "KontextNet",
            dependencies: [
                "CCurl", "KontextThreads",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Services and their wiring.
        .target(
            name: "KontextDaemon",
            dependencies: [
                "KontextCore", "KontextCrypto", "KontextStore", "KontextNet", "KontextThreads", "CImageCodecs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "kontextd",
            dependencies: [
                "KontextDaemon", "KontextCore", "KontextCrypto", "KontextNet", "RunwareSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The Runware simulator: library (used by tests and the demo) and executable.
        .target(
            name: "RunwareSimulator",
            dependencies: [
                "KontextCore", "KontextCrypto", "KontextNet", "CImageCodecs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "runware-sim",
            dependencies: [
                "RunwareSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // `make bench`: throughput, latency and memory figures beside same-run baselines.
        .executableTarget(
            name: "kontextd-bench",
            dependencies: [
                "KontextDaemon", "KontextStore", "KontextCore", "KontextCrypto", "KontextNet", "RunwareSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // What the test targets share (clocks, temp dirs, waits, fixtures); only tests depend on it.
        .target(
            name: "KontextTesting",
            dependencies: ["KontextCore", "RunwareSimulator", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),

        .testTarget(name: "KontextCoreTests", dependencies: ["KontextCore"], swiftSettings: strict),
        .testTarget(name: "KontextCryptoTests", dependencies: ["KontextCrypto"], swiftSettings: strict),
        .testTarget(
            name: "KontextStoreTests", dependencies: ["KontextStore", "KontextCore", "CSQLite", "KontextTesting"],
            swiftSettings: strict),
        .testTarget(name: "KontextNetTests", dependencies: [
            "KontextNet",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(
            name: "RunwareSimulatorTests",
            dependencies: [
                "RunwareSimulator", "KontextCore", "KontextNet", "KontextCrypto", "KontextTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "KontextDaemonTests", dependencies: [
            "KontextDaemon", "KontextTesting", "RunwareSimulator", "KontextCore", "KontextStore", "KontextNet", "KontextCrypto",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "KontextChaosTests", dependencies: [
            "KontextDaemon", "KontextTesting", "RunwareSimulator", "KontextCore", "KontextStore", "KontextNet", "KontextCrypto",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
    ]
)
