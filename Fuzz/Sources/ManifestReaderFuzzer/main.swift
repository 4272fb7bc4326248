import Foundation
import KaitoCore

// A libFuzzer target for ManifestReader. SwiftPM gives an executable its own entry point (`main` becomes an
// alias of this file's top-level code), which collides with the `main` that -sanitize=fuzzer links in; the
// script links with --allow-multiple-definition, and both entry points run libFuzzer on the same callback.

/// One input: it must be read or refused with a ``ManifestReadError``. A crash, a sanitizer report, a
/// timeout (libFuzzer's `-timeout`) or running out of memory (`-rss_limit_mb`) is a finding.
///
/// The limits are tightened so that no input can legitimately take long: slowness is a finding too.
let fuzzOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { start, count in
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let limits = ManifestLimits(
        maximumBytes: 1 << 20, maximumDocuments: 1000, maximumDepth: 256, maximumNodes: 200_000)
    do {
        for document in try ManifestReader.documents(from: data, limits: limits) {
            // What kaitoctl does next with a document: decode it and validate it.
            if let workspace = try? Workspace.decode(from: document.value) {
                _ = WorkspaceValidator().validateCreate(workspace)
            }
        }
    } catch is ManifestReadError {
        // Refused with a message: the expected outcome for most inputs.
    } catch {
        fatalError("ManifestReader threw \(type(of: error)) instead of a ManifestReadError: \(error)")
    }
    return 0
}

/// libFuzzer's own `main` calls this.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOneInput(start, count)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
