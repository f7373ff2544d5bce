// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "datapipe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "datapipe", targets: ["datapipe"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CJansson",
            pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]
        ),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .target(name: "PipeJSON", dependencies: ["CJansson"]),
        .target(
            name: "PipeRemotes",
            dependencies: [
                "CCrypto",
                "CCurl",
                "CLinux",
                "CSSH2",
                "PipeJSON",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PipeCore",
            dependencies: ["PipeRemotes", "PipeJSON", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "PipeRepo",
            dependencies: ["PipeCore", "PipeJSON", "PipeRemotes", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "PipeRPC",
            dependencies: [
                "PipeJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PipeBridge",
            dependencies: [
                "PipeRepo",
                "PipeCore",
                "PipeRemotes",
                "PipeRPC",
                "PipeJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/openrpc.json")]
        ),
        .target(
            name: "PipeServer",
            dependencies: [
                "CCrypto",
                "PipeCore",
                "PipeJSON",
                "PipeRemotes",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "datapipe",
            dependencies: [
                "PipeBridge",
                "PipeServer",
                "PipeCore",
                "PipeRemotes",
                "PipeRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PipeJSONTests", dependencies: ["PipeJSON"]),
        .target(name: "TestSupport", dependencies: ["PipeRemotes"], path: "Tests/TestSupport"),
        .testTarget(name: "PipeRemotesTests", dependencies: ["PipeRemotes", "TestSupport"]),
        .testTarget(
            name: "PipeCoreTests",
            dependencies: [
                "PipeCore", "PipeRemotes", "PipeJSON", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "PipeRPCTests", dependencies: ["PipeRPC", "PipeJSON"]),
        .testTarget(name: "PipeBridgeTests", dependencies: ["PipeBridge", "PipeRPC", "PipeJSON"]),
        .testTarget(
            name: "PipeServerTests",
            dependencies: [
                "PipeServer", "PipeJSON", "PipeRepo", "PipeCore",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["datapipe", "PipeJSON", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
