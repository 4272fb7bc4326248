// swift-tools-version: 6.0
// A Swift program that uses kaito-swift as a library: deploys falcon-7b, follows it, chats with it, deletes it.
import PackageDescription

let package = Package(
    name: "kaito-sdk-example",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "kaito-swift", path: "../..")],
    targets: [
        .executableTarget(
            name: "deploy-falcon",
            dependencies: [
                .product(name: "KaitoCore", package: "kaito-swift"),
                .product(name: "KaitoK8s", package: "kaito-swift"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
