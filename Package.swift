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
    ],
    targets: [
        .systemLibrary(
            name: "CJansson",
            pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]
        ),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "PipeJSON", dependencies: ["CJansson"]),
        .target(
            name: "PipeRemotes",
            dependencies: [
                "CCrypto",
                "CCurl",
                "PipeJSON",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
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
                "PipeRPC",
                "PipeJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/openrpc.json")]
        ),
        .executableTarget(
            name: "datapipe",
            dependencies: [
                "PipeBridge",
                "PipeRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PipeJSONTests", dependencies: ["PipeJSON"]),
        .testTarget(name: "PipeRemotesTests", dependencies: ["PipeRemotes"]),
        .testTarget(name: "PipeRPCTests", dependencies: ["PipeRPC", "PipeJSON"]),
        .testTarget(name: "PipeBridgeTests", dependencies: ["PipeBridge", "PipeRPC", "PipeJSON"]),
        .testTarget(name: "EndToEndTests", dependencies: ["datapipe", "PipeJSON"]),
    ],
    swiftLanguageModes: [.v6]
)
