import Foundation
import Testing

/// How a measured `kaitoctl` run ended: its status, output and peak resident memory.
struct MeasuredRun {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The child's peak resident set, from `wait4`'s resource usage.
    var maximumResidentKiB: Int
}

/// Where a measured run's standard input comes from.
enum MeasuredInput {
    case file(String)
    /// Standard input closed, as with `kaitoctl … <&-`.
    case closed
}

/// Runs the built `kaitoctl` in `directory` and measures its peak resident memory.
///
/// A small Python parent starts it and reads `RUSAGE_CHILDREN`: a child spawned straight from the test
/// process would inherit the test process's own high-water mark through `posix_spawn`'s shared address
/// space, so its `ru_maxrss` would measure the tests, not kaitoctl. Output goes to files in `directory`.
/// A child still running after `timeout` seconds is killed (a safety net that turns a hang into a failure,
/// not a timing assertion).
func runKaitoctlMeasured(
    _ args: [String], input: MeasuredInput = .file("/dev/null"), in directory: URL, timeout: Double = 60
) throws -> MeasuredRun {
    let binary = try KaitoctlBinary.url().path
    let outPath = directory.appendingPathComponent("measured.out").path
    let errPath = directory.appendingPathComponent("measured.err").path
    let stdinMode: String
    switch input {
    case .file(let path): stdinMode = path
    case .closed: stdinMode = ""
    }
    let script = """
        import os, resource, subprocess, sys
        directory, stdin, out, err, timeout = sys.argv[1:6]
        # An empty stdin argument starts kaitoctl with standard input closed.
        source = os.open(stdin, os.O_RDONLY) if stdin else None
        close_stdin = None if stdin else (lambda: os.close(0))
        with open(out, "wb") as o, open(err, "wb") as e:
            child = subprocess.Popen(
                sys.argv[6:], cwd=directory, stdin=source, stdout=o, stderr=e, preexec_fn=close_stdin)
            try:
                code = child.wait(timeout=float(timeout))
            except subprocess.TimeoutExpired:
                child.kill()
                code = child.wait()
        status = code if code >= 0 else 128 - code
        print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
        ["python3", "-c", script, directory.path, stdinMode, outPath, errPath, String(timeout), binary] + args
    let report = Pipe()
    process.standardOutput = report
    process.standardError = FileHandle.standardError
    try process.run()
    let printed = String(decoding: report.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let fields = printed.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    guard process.terminationStatus == 0, fields.count == 2 else {
        throw KaitoctlRunError(description: "the measuring python3 parent failed: \(printed)")
    }
    return MeasuredRun(
        status: Int32(fields[0]),
        stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
        maximumResidentKiB: fields[1])
}

extension KaitoctlCLITests {
    /// Hostile files, generated here: each gets one clear line and a non-zero exit, within 200 MB.
    @Suite("kaitoctl validate with hostile input")
    struct HostileInput {
        /// The memory a hostile file may cost `kaitoctl validate` (the issue's bound).
        static let memoryLimitKiB = 200 * 1024

        struct Case: CustomTestStringConvertible, Sendable {
            var name: String
            /// The file's bytes, made when the test runs (large ones are never committed).
            var make: @Sendable () -> Data
            var status: Int32
            /// Text the single stderr line must contain after `FILE: `.
            var expected: String

            var testDescription: String { name }
        }

        static let header = "apiVersion: kaito.sh/v1alpha1\nkind: Workspace\nmetadata:\n  name: hostile\n"
        static let body =
            "resource:\n  instanceType: Standard_NC12s_v3\n  labelSelector:\n    matchLabels:\n      apps: falcon\n"
            + "inference:\n  preset:\n    name: falcon-7b\n"

        static func bomb(use: String) -> Data {
            var text = header + "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
            for level in 1..<9 {
                text +=
                    "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",")
                    + "]\n"
            }
            return Data((text + use + "\n" + body).utf8)
        }

        static let cases: [Case] = [
            Case(
                name: "empty", make: { Data() }, status: 1,
                expected: "no Workspace found: the file is empty; write a kaito.sh/v1alpha1 Workspace"),
            Case(
                name: "binary", make: { Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }) },
                status: 1, expected: "input is not valid UTF-8 (first bad byte at offset"),
            Case(
                name: "unclosed flow list", make: { Data((header + "resource: [a, b\n").utf8) }, status: 1,
                expected: "malformed YAML: "),
            Case(
                name: "Latin-1 bytes",
                make: { Data((header + "description: caf").utf8) + Data([0xE9]) + Data(("\n" + body).utf8) },
                status: 1,
                expected: "input is not valid UTF-8 (first bad byte at offset \(header.utf8.count + 16))"),
            Case(
                name: "wrong kind",
                make: { Data((header.replacingOccurrences(of: "Workspace", with: "Deployment") + body).utf8) },
                status: 1, expected: "kind: kind \"Deployment\" is not supported here"),
            Case(
                name: "wrong version",
                make: { Data((header.replacingOccurrences(of: "v1alpha1", with: "v1beta1") + body).utf8) },
                status: 1, expected: "apiVersion: "),
            Case(
                name: "misspelled field",
                make: { Data((header + body.replacingOccurrences(of: "instanceType", with: "instanceTyp")).utf8) },
                status: 1, expected: "resource.instanceTyp: unknown field \"resource.instanceTyp\""),
            Case(
                name: "wrong type", make: { Data((header + body + "  adapters: 3\n").utf8) }, status: 1,
                expected: "inference.adapters: expected array, got integer 3"),
            Case(
                name: "20,000-deep nesting",
                make: {
                    Data(
                        (header + "x: " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
                            + "\n" + body).utf8)
                }, status: 1, expected: "document 1 nests lists and maps deeper than"),
            Case(
                name: "1,100-deep block nesting",
                make: {
                    var text = header + "x:\n"
                    for level in 1...1100 { text += String(repeating: " ", count: level) + "- \n" }
                    return Data(text.utf8)
                }, status: 1, expected: "document 1 nests lists and maps deeper than 512 levels"),
            Case(
                name: "11 MiB", make: { Data((header + "#" + String(repeating: "x", count: 11 << 20)).utf8) },
                status: 2, expected: "over the 10 MiB limit; split it into smaller files"),
            Case(
                name: "billion laughs", make: { bomb(use: "payload: *a8") }, status: 1,
                expected: "document 1 contains excessive aliasing: its aliases expand to "),
            Case(
                name: "billion laughs as a key", make: { bomb(use: "keys: {*a8 : 1}") }, status: 1,
                expected: "document 1 contains excessive aliasing"),
            Case(
                name: "billion laughs through merge keys", make: { bomb(use: "merged: {<<: [{x: *a8}, {y: *a8}]}") },
                status: 1, expected: "document 1 contains excessive aliasing"),
            Case(
                name: "100,000 documents", make: { Data(String(repeating: "---\na: 1\n", count: 100_000).utf8) },
                status: 1, expected: "the input has more than 10000 YAML documents"),
            Case(
                name: "3,000,000 nodes",
                make: { Data(("x: [" + String(repeating: "0,", count: 3_000_000) + "0]\n").utf8) }, status: 1,
                expected: "the input decodes to more than 2000000 YAML nodes"),
        ]

        @Test("one line naming the file, a non-zero exit, under 200 MB", arguments: cases)
        func hostileFile(_ row: Case) throws {
            try withTemporaryDirectory { directory in
                try writeFile("hostile.yaml", row.make(), in: directory)
                let run = try runKaitoctlMeasured(["validate", "-f", "hostile.yaml"], in: directory)
                #expect(run.status == row.status, "stderr: \(run.stderr)")
                let lines = outputLines(run.stderr)
                #expect(lines.count == 1, "stderr:\n\(run.stderr)")
                #expect(lines.first?.hasPrefix("hostile.yaml: ") == true, "\(run.stderr)")
                #expect(lines.first?.contains(row.expected) == true, "\(run.stderr)")
                #expect(run.stdout.isEmpty)
                #expect(
                    run.maximumResidentKiB < Self.memoryLimitKiB,
                    "peak memory \(run.maximumResidentKiB / 1024) MiB")
            }
        }

        @Test("a missing file, a closed standard input and a directory as standard input: one line, exit 2")
        func unreadableInput() throws {
            try withTemporaryDirectory { directory in
                let missing = try runKaitoctlMeasured(["validate", "-f", "absent.yaml"], in: directory)
                #expect(missing.status == 2)
                #expect(outputLines(missing.stderr) == ["absent.yaml: no such file; check the path"])
                for input in [MeasuredInput.closed, .file(directory.path)] {
                    let run = try runKaitoctlMeasured(["validate", "-f", "-"], input: input, in: directory)
                    #expect(run.status == 2, "\(input): \(run.stderr)")
                    let lines = outputLines(run.stderr)
                    #expect(lines.count == 1, "\(input): \(run.stderr)")
                    #expect(lines.first?.hasPrefix("-: cannot be read: ") == true, "\(input): \(run.stderr)")
                }
            }
        }
    }
}
