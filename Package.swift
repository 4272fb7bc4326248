// swift-tools-version: 6.0
import PackageDescription

let strictSwift6: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "kaito-swift",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "KaitoCore", targets: ["KaitoCore"]),
        .library(name: "KaitoHTTP", targets: ["KaitoHTTP"]),
        .library(name: "KaitoK8s", targets: ["KaitoK8s"]),
        .library(name: "KaitoOperator", targets: ["KaitoOperator"]),
        .library(name: "KaitoSim", targets: ["KaitoSim"]),
        .executable(name: "kaitoctl", targets: ["kaitoctl"]),
        .executable(name: "kaito-sim", targets: ["kaito-sim"]),
        .executable(name: "kaito-controller", targets: ["kaito-controller"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "KaitoCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictSwift6
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "KaitoHTTP",
            dependencies: ["CCurl", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: strictSwift6
        ),
        .target(
            name: "KaitoK8s",
            dependencies: [
                "KaitoCore",
                "KaitoHTTP",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift6
        ),
        .target(
            // The operator: controller, executor, provisioners, leader election, events, metrics observer.
            name: "KaitoOperator",
            dependencies: [
                "KaitoCore",
                "KaitoHTTP",
                "KaitoK8s",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift6
        ),
        .target(
            name: "KaitoSim",
            dependencies: [
                "KaitoCore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ],
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "kaito-sim",
            dependencies: [
                "KaitoSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "kaito-controller",
            dependencies: [
                "KaitoK8s",
                "KaitoOperator",
                "KaitoCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "kaitoctl",
            dependencies: [
                "KaitoCore",
                "KaitoK8s",
                "KaitoHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "KaitoCoreTests",
            dependencies: ["KaitoCore"],
            exclude: ["Golden"],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "KaitoSimTests",
            dependencies: ["KaitoSim", "KaitoCore", "KaitoHTTP", "KaitoTestSupport"],
            swiftSettings: strictSwift6
        ),
        .target(
            name: "KaitoTestSupport",
            dependencies: [
                "KaitoCore",
                "KaitoHTTP",
                "KaitoK8s",
                "KaitoSim",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/KaitoTestSupport",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "KaitoK8sTests",
            dependencies: [
                "KaitoK8s", "KaitoOperator", "KaitoSim", "KaitoCore", "KaitoHTTP", "KaitoTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "KaitoControllerTests",
            dependencies: [
                "KaitoK8s", "KaitoOperator", "KaitoSim", "KaitoCore", "KaitoHTTP", "KaitoTestSupport", "kaito-controller",
                "kaito-sim",
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "KaitoHTTPTests",
            dependencies: [
                "KaitoHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "kaitoctlTests",
            dependencies: ["KaitoCore", "KaitoK8s", "KaitoSim", "KaitoHTTP", "KaitoTestSupport", "kaitoctl", "kaito-controller"],
            swiftSettings: strictSwift6
        ),
    ],
    swiftLanguageModes: [.v6]
)
