import Foundation
import Testing

extension KaitoctlCLITests {
    /// Version, help, and argument errors shared by every command.
    @Suite("kaitoctl: version, help and usage errors")
    struct General {
        @Test("--version prints the version on stdout")
        func version() throws {
            let result = try runKaitoctl(["--version"])
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("kaitoctl "))
            #expect(outputLines(result.stdout) == ["kaitoctl 0.1.0 (Kaito API kaito.sh/v1alpha1, presets v0.3.1)"])
            #expect(result.stderr.isEmpty)
        }

        @Test(
            "--help on the root and every subcommand exits 0 and documents the exit codes",
            arguments: [
                ["--help"], ["-h"], ["help"],
                ["validate", "--help"], ["help", "validate"],
                ["models", "--help"], ["models", "list", "--help"], ["models", "show", "--help"],
                ["skus", "--help"], ["help", "skus"],
            ])
        func help(_ args: [String]) throws {
            let result = try runKaitoctl(args)
            #expect(result.status == 0)
            #expect(result.stdout.contains("Exit codes: 0 success; 1 the operation failed"))
            #expect(result.stdout.contains("USAGE: kaitoctl"))
            #expect(result.stderr.isEmpty)
            expectNoCrash(result)
        }

        @Test("the root help lists every subcommand")
        func rootHelpListsSubcommands() throws {
            let result = try runKaitoctl(["--help"])
            for name in ["validate", "models", "skus"] {
                #expect(result.stdout.contains("  \(name) "), "help does not list \(name)")
            }
        }

        @Test("no arguments prints the root help")
        func noArguments() throws {
            let result = try runKaitoctl([])
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE: kaitoctl <subcommand>"))
            #expect(result.stderr.isEmpty)
        }

        @Test(
            "an unknown flag or subcommand is a usage error on stderr",
            arguments: [
                ["--bogus"], ["validate", "--bogus", "x.yaml"], ["models", "--bogus"], ["skus", "--bogus"],
                ["frobnicate"], ["models", "frobnicate"],
            ])
        func unknownFlag(_ args: [String]) throws {
            let result = try runKaitoctl(args)
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(!result.stderr.isEmpty)
            let offending = args.last ?? ""
            #expect(result.stderr.contains(offending == "x.yaml" ? "--bogus" : offending))
            expectNoCrash(result)
        }

        @Test("validate without any file is a usage error")
        func validateWithoutFiles() throws {
            let result = try runKaitoctl(["validate"])
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("give at least one manifest with -f FILE (or -f - for standard input)"))
            expectNoCrash(result)
        }

        @Test(
            "a bad option value is a usage error",
            arguments: [
                ["models", "-o", "xml"], ["skus", "--cloud", "gcp"], ["validate", "--cloud", "gcp", "-f", "x.yaml"],
                ["models", "show"], ["validate", "-f"],
            ])
        func badOptionValue(_ args: [String]) throws {
            let result = try runKaitoctl(args)
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(!result.stderr.isEmpty)
            expectNoCrash(result)
        }
    }
}
