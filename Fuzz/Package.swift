// swift-tools-version:6.0
// A libFuzzer target for KaitoCore's manifest reader. Not part of the main package or of CI: run it with
// scripts/fuzz-manifest-reader.sh, which builds it with -sanitize=fuzzer,address.
import PackageDescription

let package = Package(
    name: "kaito-fuzz",
    dependencies: [.package(name: "kaito-swift", path: "..")],
    targets: [
        .executableTarget(
            name: "ManifestReaderFuzzer",
            dependencies: [.product(name: "KaitoCore", package: "kaito-swift")]
        )
    ]
)
