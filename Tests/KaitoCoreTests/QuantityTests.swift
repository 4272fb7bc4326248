import Foundation
import Testing

@testable import KaitoCore

@Suite("Quantity")
struct QuantityTests {
    /// Input, canonical output (apimachinery `Quantity.String()`), and the value rounded up to whole units.
    struct Canonical: Sendable, CustomTestStringConvertible {
        let input: String
        let canonical: String
        let wholeUnits: Int64
        var testDescription: String { "\(input) -> \(canonical)" }
    }

    static let canonicalCases: [Canonical] = [
        .init(input: "0", canonical: "0", wholeUnits: 0),
        .init(input: "0Gi", canonical: "0", wholeUnits: 0),
        .init(input: "0.0m", canonical: "0", wholeUnits: 0),
        .init(input: "400", canonical: "400", wholeUnits: 400),
        .init(input: "2", canonical: "2", wholeUnits: 2),
        .init(input: "14Gi", canonical: "14Gi", wholeUnits: 14 << 30),
        .init(input: "16Gi", canonical: "16Gi", wholeUnits: 16 << 30),
        .init(input: "50Gi", canonical: "50Gi", wholeUnits: 50 << 30),
        .init(input: "1536Mi", canonical: "1536Mi", wholeUnits: 1536 << 20),
        .init(input: "1.5Gi", canonical: "1536Mi", wholeUnits: 1_610_612_736),
        .init(input: "0.5Gi", canonical: "512Mi", wholeUnits: 512 << 20),
        .init(input: "1024Mi", canonical: "1Gi", wholeUnits: 1 << 30),
        .init(input: "1Ki", canonical: "1Ki", wholeUnits: 1024),
        .init(input: "1.5Ki", canonical: "1536", wholeUnits: 1536),
        .init(input: "0.5Ki", canonical: "512", wholeUnits: 512),
        .init(input: "1Ei", canonical: "1Ei", wholeUnits: 1 << 60),
        .init(input: "500m", canonical: "500m", wholeUnits: 1),
        .init(input: "0.5", canonical: "500m", wholeUnits: 1),
        .init(input: ".5", canonical: "500m", wholeUnits: 1),
        .init(input: "1.5", canonical: "1500m", wholeUnits: 2),
        .init(input: "1.", canonical: "1", wholeUnits: 1),
        .init(input: "1000m", canonical: "1", wholeUnits: 1),
        .init(input: "1200m", canonical: "1200m", wholeUnits: 2),
        .init(input: "0.001", canonical: "1m", wholeUnits: 1),
        .init(input: "1000", canonical: "1k", wholeUnits: 1000),
        .init(input: "1024", canonical: "1024", wholeUnits: 1024),
        .init(input: "1.5k", canonical: "1500", wholeUnits: 1500),
        .init(input: "1.5M", canonical: "1500k", wholeUnits: 1_500_000),
        .init(input: "1G", canonical: "1G", wholeUnits: 1_000_000_000),
        .init(input: "1E", canonical: "1E", wholeUnits: 1_000_000_000_000_000_000),
        .init(input: "2e3", canonical: "2e3", wholeUnits: 2000),
        .init(input: "1E3", canonical: "1e3", wholeUnits: 1000),
        .init(input: "2e4", canonical: "20e3", wholeUnits: 20000),
        .init(input: "1e-3", canonical: "1e-3", wholeUnits: 1),
        .init(input: "1e+6", canonical: "1e6", wholeUnits: 1_000_000),
        .init(input: "1u", canonical: "1u", wholeUnits: 1),
        .init(input: "1n", canonical: "1n", wholeUnits: 1),
        .init(input: "0.1n", canonical: "1n", wholeUnits: 1),
        .init(input: "1.5n", canonical: "2n", wholeUnits: 1),
        .init(input: "1.23456789012345678901", canonical: "1234567891n", wholeUnits: 2),
        .init(input: "-1", canonical: "-1", wholeUnits: -1),
        .init(input: "-500m", canonical: "-500m", wholeUnits: -1),
        .init(input: "-0.1n", canonical: "-1n", wholeUnits: -1),
        .init(input: "-16Gi", canonical: "-16Gi", wholeUnits: -(16 << 30)),
        .init(input: "+5", canonical: "5", wholeUnits: 5),
        .init(input: "007", canonical: "7", wholeUnits: 7),
        .init(input: "9223372036854775807", canonical: "9223372036854775807", wholeUnits: .max),
        .init(input: "10E", canonical: "10E", wholeUnits: .max),
    ]

    @Test("parses and prints the canonical Kubernetes form", arguments: canonicalCases)
    func canonicalForm(_ testCase: Canonical) throws {
        let quantity = try Quantity(parsing: testCase.input)
        #expect(quantity.description == testCase.canonical)
        #expect(quantity.bytesRoundedUp == testCase.wholeUnits)
        // The canonical form parses back to the same value and prints identically.
        let reparsed = try Quantity(parsing: quantity.description)
        #expect(reparsed == quantity)
        #expect(reparsed.description == testCase.canonical)
    }

    @Test("remembers the suffix family as its format")
    func formats() throws {
        #expect(try Quantity(parsing: "16Gi").format == .binarySI)
        #expect(try Quantity(parsing: "500m").format == .decimalSI)
        #expect(try Quantity(parsing: "400").format == .decimalSI)
        #expect(try Quantity(parsing: "2e3").format == .decimalExponent)
        #expect(try Quantity(parsing: "1E").format == .decimalSI)
    }

    /// Inputs that are not quantities, and the error code expected.
    static let invalidCases: [(String, QuantityError.Code)] = [
        ("", .empty),
        ("Gi", .missingNumber),
        ("abc", .missingNumber),
        ("-", .missingNumber),
        (".", .missingNumber),
        ("--1", .missingNumber),
        (" 1", .missingNumber),
        ("1Gb", .unknownSuffix),
        ("1 Gi", .unknownSuffix),
        ("1K", .unknownSuffix),
        ("1ki", .unknownSuffix),
        ("1e", .unknownSuffix),
        ("1e3.5", .unknownSuffix),
        ("1.2.3", .unknownSuffix),
        ("1Gi1", .unknownSuffix),
        ("16GiB", .unknownSuffix),
        ("99999999999999999999", .outOfRange),
        ("123456789012345678901.5", .outOfRange),
        ("1e1001", .outOfRange),
    ]

    @Test("rejects malformed input with a reason", arguments: invalidCases)
    func invalid(_ input: String, _ code: QuantityError.Code) {
        #expect {
            try Quantity(parsing: input)
        } throws: { error in
            guard let error = error as? QuantityError else { return false }
            return error.code == code && error.input == input
        }
    }

    @Test("error messages say what was wrong")
    func errorMessages() {
        #expect(QuantityError(code: .empty, input: "").description.contains("empty"))
        let suffix = QuantityError(code: .unknownSuffix, input: "16GB").description
        #expect(suffix.contains("\"16GB\""))
        #expect(suffix.contains("Gi"))
        #expect(QuantityError(code: .missingNumber, input: "Gi").description.contains("does not start with a number"))
        #expect(QuantityError(code: .outOfRange, input: "1e1001").description.contains("out of range"))
    }

    @Test("equality and ordering are by value, not format")
    func comparison() throws {
        func q(_ text: String) throws -> Quantity { try Quantity(parsing: text) }
        #expect(try q("1Gi") == q("1073741824"))
        #expect(try q("1k") == q("1000"))
        #expect(try q("1") == q("1000m"))
        #expect(try q("0Gi") == q("0"))
        #expect(try q("2e3") == q("2k"))
        #expect(try q("1Gi") > q("1G"))
        #expect(try q("500m") < q("1"))
        #expect(try q("15Gi") < q("16Gi"))
        #expect(try q("400") < q("1Ki"))
        #expect(try q("-1") < q("0"))
        #expect(try q("-2") < q("-1"))
        #expect(try q("-1Gi") < q("-1G"))
        #expect(try q("1n") > q("0"))
        #expect(try q("999") < q("1k"))
        #expect(try q("9223372036854775807") < q("10E"))
        #expect(try !(q("16Gi") < q("16Gi")))
        let set: Set<Quantity> = try [q("1Gi"), q("1024Mi"), q("1073741824"), q("1G")]
        #expect(set.count == 2)
        let sorted = try ["2", "500m", "1Ki", "0", "1k", "-1"].map(q).sorted().map(\.description)
        #expect(sorted == ["-1", "0", "500m", "2", "1k", "1Ki"])
    }

    @Test("integer and gibibyte initializers")
    func initializers() {
        #expect(Quantity(integer: 2).description == "2")
        #expect(Quantity(integer: 2000).description == "2k")
        #expect(Quantity(integer: 2000, format: .binarySI).description == "2000")
        #expect(Quantity(integer: 1 << 30, format: .binarySI).description == "1Gi")
        #expect(Quantity(integer: 0, format: .binarySI).description == "0")
        #expect(Quantity(integer: 3000, format: .decimalExponent).description == "3e3")
        #expect(Quantity.gibibytes(0).description == "0")
        #expect(Quantity.gibibytes(16).description == "16Gi")
        #expect(Quantity.gibibytes(640).description == "640Gi")
        #expect(Quantity.gibibytes(1024).description == "1Ti")
        #expect(Quantity.gibibytes(16).bytesRoundedUp == 17_179_869_184)
        #expect(Quantity.gibibytes(16).format == .binarySI)
        #expect(Quantity.zero.isZero)
    }

    @Test("arithmetic keeps exact values and the left operand's format")
    func arithmetic() throws {
        #expect((Quantity.gibibytes(16) * 2).description == "32Gi")
        #expect((2 * Quantity.gibibytes(80)).description == "160Gi")
        #expect((Quantity(integer: 2) * 4).description == "8")
        #expect((try Quantity(parsing: "500m") * 3).description == "1500m")
        #expect((Quantity.gibibytes(16) * 0).description == "0")
        #expect((try Quantity(parsing: "1.5Gi") + Quantity(parsing: "512Mi")).description == "2Gi")
        #expect((try Quantity(parsing: "1") - Quantity(parsing: "500m")).description == "500m")
        #expect((try Quantity(parsing: "1Gi") - Quantity(parsing: "1Gi")).isZero)
        #expect((try Quantity(parsing: "1k") - Quantity(parsing: "2k")).description == "-1k")
        #expect((Quantity.zero + Quantity.gibibytes(2)).description == "2Gi")
        #expect((-Quantity.gibibytes(2)).description == "-2Gi")
        // Beyond Int64 the slow path keeps the value exact while it has at most 18 significant digits.
        let huge = try Quantity(parsing: "8E") * 4
        #expect(huge == (try Quantity(parsing: "32E")))
        #expect(huge.bytesRoundedUp == .max)
        // 1E + 1n needs 28 significant digits: it is rounded up to 18 (documented), never down.
        let sum = try Quantity(parsing: "1E") + Quantity(parsing: "1n")
        #expect(sum > (try Quantity(parsing: "1E")))
        #expect(sum.description == "1000000000000000010")
    }

    @Test("encodes as a JSON string and decodes strings or numbers")
    func codable() throws {
        let encoded = try JSONEncoder().encode(["memory": Quantity.gibibytes(16), "disk": try Quantity(parsing: "400")])
        let object = try JSONSerialization.jsonObject(with: encoded) as? [String: String]
        #expect(object == ["memory": "16Gi", "disk": "400"])

        let decoded = try JSONDecoder().decode([Quantity].self, from: Data(#"["1.5Gi", 2, 1.5, "0Gi", 1e3]"#.utf8))
        #expect(decoded.map(\.description) == ["1536Mi", "2", "1500m", "0", "1k"])

        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Quantity].self, from: Data(#"["16GB"]"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Quantity].self, from: Data(#"[true]"#.utf8))
        }
        do {
            _ = try JSONDecoder().decode([Quantity].self, from: Data(#"["16GB"]"#.utf8))
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("unknown suffix"))
        }
    }
}
