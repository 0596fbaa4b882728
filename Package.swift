// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "PushCompose",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pushcompose", targets: ["Server"]),
        .executable(name: "pushcompose-bench", targets: ["ComposerBench"]),
        .executable(name: "pushcompose-delivery-bench", targets: ["DeliveryBench"]),
        .library(name: "PushCompose", targets: ["PushCompose"]),
        .library(name: "Templates", targets: ["Templates"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The composer: hook models, policies, planning. Pure: no I/O.
        .target(name: "PushCompose"),
        // Template files: loading, validation (lint), selection, rendering.
        .target(
            name: "Templates",
            dependencies: [
                "PushCompose",
                "Experiments",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The `pushcompose` executable: HTTP, CLI, storage, audit, custom delivery assembled.
        .executableTarget(
            name: "Server",
            dependencies: [
                "PushCompose",
                "Templates",
                "Delivery",
                "Storage",
                "SQLiteStorage",
                "PostgresStorage",
                "Experiments",
                "AuditLog",
                "CZlib",
                "LowPriority",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The dashboard's page, styles and scripts, served as they are.
            resources: [.copy("Dashboard/Assets")]
        ),
        // Custom delivery: devices, the durable queue's protocols, workers, providers.
        .target(
            name: "Delivery",
            dependencies: [
                "PushCompose",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Local stand-ins for APNs (TLS + HTTP/2) and FCM, for the tests and bench/delivery
        // only: the `pushcompose` executable does not link them.
        .target(
            name: "ProviderStandIns",
            dependencies: [
                "PushCompose",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        // What the service stores besides the queue and devices (the directory and mutes),
        // and how instances sharing one database hear of each other's changes.
        .target(name: "Storage", dependencies: ["Delivery", "PushCompose", "Experiments"]),
        // zlib, for the audit log's compressed files (Debian: zlib1g-dev).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The audit log's files: the record schema, the hash chain, reading (plain and
        // compressed), verifying, searching and explaining.
        .target(
            name: "AuditLog",
            dependencies: ["CZlib", "PushCompose", .product(name: "Crypto", package: "swift-crypto")]),
        // A/B experiments' statistics and report: pure, no I/O.
        .target(name: "Experiments"),
        // The storage protocols on SQLite (embedded, files in the data folder): one instance.
        .target(
            name: "SQLiteStorage",
            dependencies: ["Delivery", "Storage", "PushCompose", "Experiments", "LowPriority", .product(name: "GRDB", package: "GRDB.swift")]),
        // Background work on threads of the lowest CPU priority, apart from the hooks' pool.
        .target(name: "LowPriority"),
        // The storage protocols on PostgreSQL: several instances share state and the queue.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Delivery", "Storage", "PushCompose", "Experiments",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // A throw-away PostgreSQL cluster (initdb in a temporary directory, a free port),
        // for the tests and bench/: nothing needs a database that is already running.
        .target(name: "PostgresCluster"),
        .testTarget(
            name: "DeliveryTests",
            dependencies: [
                "Delivery",
                "ProviderStandIns",
                "Storage",
                "SQLiteStorage",
                "PostgresStorage",
                "PostgresCluster",
                "PushCompose",
                "Experiments",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // `pushcompose-bench`: the composer alone, per call, for bench/run.
        .executableTarget(name: "ComposerBench", dependencies: ["PushCompose", "Templates"]),
        // `pushcompose-delivery-bench`: the queue's ceiling, a counting webhook, a queue filler, for bench/delivery.
        .executableTarget(
            name: "DeliveryBench",
            dependencies: [
                "Delivery", "SQLiteStorage", "PostgresStorage", "PostgresCluster", "PushCompose", "ProviderStandIns", "Storage", "Experiments",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PushComposeTests",
            dependencies: ["PushCompose", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates", "PushCompose"]),
        .testTarget(name: "AuditLogTests", dependencies: ["AuditLog", "PushCompose", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server",
                "PushCompose",
                "Templates",
                "Delivery",
                "Storage",
                "SQLiteStorage",
                "PostgresStorage",
                "PostgresCluster",
                "ProviderStandIns",
                "Experiments",
                "AuditLog",
                "LowPriority",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)
