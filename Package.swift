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
        .executable(name: "kaitoctl", targets: ["kaitoctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "KaitoCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "kaitoctl",
            dependencies: [
                "KaitoCore",
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
            name: "kaitoctlTests",
            dependencies: ["KaitoCore", "kaitoctl"],
            swiftSettings: strictSwift6
        ),
    ],
    swiftLanguageModes: [.v6]
)
