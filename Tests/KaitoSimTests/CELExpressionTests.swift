import Foundation
import Testing

@testable import KaitoSim

/// Table tests of the CEL engine: expressions that evaluate to `true`, runtime errors, and compile errors with
/// cel-go's rendering.
@Suite("CEL expressions")
struct CELExpressionTests {
    static let environment = CELEnvironment.kubernetesBase.declaring([
        "s": .string, "i": .int, "l": .list(.int), "m": .map(.string, .int), "d": .dyn,
    ])
    static let activation: [String: CELValue] = {
        var map = CELMap()
        map.set(.string("a"), .int(1))
        map.set(.string("b"), .int(2))
        return [
            "s": .string("hello"), "i": .int(7), "l": .list([.int(3), .int(1), .int(2)]), "m": .map(map),
            "d": .string("dynamic"),
        ]
    }()

    static func evaluate(_ text: String) throws -> CELValue {
        let program = try CELProgram(text, environment: environment)
        return try program.evaluate(activation).value
    }

    /// Expressions that must evaluate to `true`.
    static let truths: [String] = [
        // Literals and arithmetic.
        "1 + 2 == 3", "7 - 10 == -3", "6 * 7 == 42", "7 / 2 == 3", "-7 / 2 == -3", "7 % 3 == 1", "-7 % 3 == -1",
        "1u + 2u == 3u", "10u / 3u == 3u", "2.5 * 2.0 == 5.0", "1.0 / 4.0 == 0.25", "0x10 == 16", "0x1Fu == 31u",
        "-9223372036854775808 < 0", "9223372036854775807 > 0", "1e3 == 1000.0", "1.5e-1 == 0.15", ".5 == 0.5",
        "--1 == 1", "!!true", "!false", "-(-3) == 3", "2 + 3 * 4 == 14", "(2 + 3) * 4 == 20", "10 - 2 - 3 == 5",
        // Strings.
        "'abc' == \"abc\"", "'a' + 'b' == 'ab'", "r'\\n' == '\\\\n'", "'''multi\nline''' == 'multi\\nline'",
        "\"\"\"x\"\"\" == 'x'", "'\\x41\\u0042\\U00000043' == 'ABC'", "'\\101' == 'A'", "'\\t'.size() == 1",
        "size('héllo') == 5", "'hello'.size() == 5", "s.contains('ell')", "s.startsWith('he')", "s.endsWith('llo')",
        "!s.contains('xyz')", "s.matches('^h.*o$')", "matches(s, 'l+')", "'abc' < 'abd'", "'b' > 'a'",
        "'a' <= 'a'", "'' < 'a'",
        // Bytes.
        "b'abc' == bytes('abc')", "size(b'\\xff\\x00') == 2", "b'a' + b'b' == b'ab'", "b'a' < b'b'",
        "string(b'hi') == 'hi'", "bytes('é').size() == 2",
        // Booleans and logic.
        "true && true", "!(true && false)", "false || true", "true || 1 / 0 == 1", "!(false && 1 / 0 == 1)",
        "1 / 0 == 1 || true", "!(1 / 0 == 1 && false)", "true ? true : false", "false ? false : true",
        "(i > 5 ? 'big' : 'small') == 'big'", "true != false", "true > false", "false < true",
        // Comparisons across numeric types.
        "1 < 2u", "2u > 1", "1 < 1.5", "1.5 > 1", "2.0 >= 2", "2 <= 2.0", "-1 < 0u", "1u < 1.1", "3 == 3",
        "dyn(1) == 1.0", "dyn(1u) == 1", "dyn(2.0) == 2u", "dyn(1) != 'a'", "dyn('a') != 1",
        // Lists.
        "[1, 2, 3].size() == 3", "size([]) == 0", "[1, 2] + [3] == [1, 2, 3]", "2 in [1, 2, 3]", "!(4 in [1, 2])",
        "[1, 2][1] == 2", "l[0] == 3", "[[1], [2]][1][0] == 2", "[] == []", "[[1], [2]] != [[1], [3]]",
        "[dyn(1), dyn('a')].size() == 2",
        "l.all(x, x > 0)", "l.exists(x, x == 2)", "l.exists_one(x, x == 1)", "!l.exists_one(x, x > 0)",
        "l.map(x, x * 2) == [6, 2, 4]", "l.map(x, x > 1, x * 10) == [30, 20]", "l.filter(x, x > 1) == [3, 2]",
        "[].all(x, x > 0)", "![].exists(x, x > 0)", "[1, 2, 3].all(x, x < 10) && [1].exists(x, x == 1)",
        "[1, 2, 3].map(x, [x, x]).size() == 3", "l.isSorted() == false", "[1, 2, 3].isSorted()",
        "['a', 'b'].isSorted()", "l.sum() == 6", "[1.5, 2.5].sum() == 4.0", "[].sum() == 0", "l.min() == 1",
        "l.max() == 3", "['b', 'a'].min() == 'a'", "l.indexOf(1) == 1", "[1, 2, 1].lastIndexOf(1) == 2",
        "l.indexOf(9) == -1", "[[1, 2], [3]].exists(e, 3 in e)", "dyn([1, 2]).size() == 2",
        // Maps.
        "m.a == 1", "m['b'] == 2", "'a' in m", "!('z' in m)", "{'x': 1}.x == 1", "{1: 'one'}[1] == 'one'",
        "{1: 'one'}[dyn(1u)] == 'one'", "{1: 'one'}[dyn(1.0)] == 'one'", "{true: 1}[true] == 1", "size(m) == 2",
        "m.size() == 2", "m.all(k, m[k] > 0)", "m.exists(k, k == 'b')", "m.map(k, k).size() == 2",
        "m.filter(k, m[k] > 1) == ['b']", "{'a': 1} == {'a': 1}", "{'a': 1} != {'a': 2}", "{} == {}",
        "has(m.a)", "!has(m.z)", "{'a': {'b': 1}}.a.b == 1", "has({'a': {'b': 1}}.a.b)",
        // Conversions.
        "int('42') == 42", "int(3.9) == 3", "int(-3.9) == -3", "int(5u) == 5", "uint(5) == 5u", "uint(5.5) == 5u",
        "double(3) == 3.0", "double('2.5') == 2.5", "double(2u) == 2.0", "string(42) == '42'",
        "string(-1) == '-1'", "string(2u) == '2'", "string(1.5) == '1.5'", "string(1e21) == '1e+21'",
        "string(123456789.0) == '1.23456789e+08'", "string(0.0001) == '0.0001'", "string(1e-05) == '1e-05'",
        "string(100.0) == '100'", "string(true) == 'true'", "bool('true') && !bool('false') && bool('1')",
        "string(duration('1h')) == '3600s'", "string(duration('1.5s')) == '1.5s'",
        "string(timestamp('2024-01-02T03:04:05Z')) == '2024-01-02T03:04:05Z'",
        "string(timestamp('2024-01-02T03:04:05.120Z')) == '2024-01-02T03:04:05.12Z'", "dyn(3) == 3",
        "int(timestamp('1970-01-01T00:01:00Z')) == 60", "timestamp(60) == timestamp('1970-01-01T00:01:00Z')",
        // Types.
        "type(1) == int", "type('a') == string", "type(1u) == uint", "type(1.0) == double", "type(true) == bool",
        "type(b'a') == bytes", "type(null) == null_type", "type([1]) == list", "type({'a': 1}) == map",
        "type(type(1)) == type", "type(duration('1s')) == google.protobuf.Duration",
        "type(timestamp('2024-01-01T00:00:00Z')) == google.protobuf.Timestamp", "type(d) == string",
        "type(1) != string", "type(optional.of(1)) == optional_type",
        // Timestamps and durations.
        "timestamp('2024-03-05T10:20:30Z').getFullYear() == 2024", "timestamp('2024-03-05T10:20:30Z').getMonth() == 2",
        "timestamp('2024-03-05T10:20:30Z').getDate() == 5", "timestamp('2024-03-05T10:20:30Z').getDayOfMonth() == 4",
        "timestamp('2024-03-05T10:20:30Z').getDayOfYear() == 64",
        "timestamp('2024-03-05T10:20:30Z').getDayOfWeek() == 2",
        "timestamp('2024-03-05T10:20:30Z').getHours() == 10", "timestamp('2024-03-05T10:20:30Z').getMinutes() == 20",
        "timestamp('2024-03-05T10:20:30.250Z').getMilliseconds() == 250",
        "timestamp('2024-03-05T10:20:30Z').getSeconds() == 30",
        "timestamp('2024-03-05T10:20:30Z').getHours('+02:00') == 12",
        "timestamp('2024-01-01T00:00:00+01:00') == timestamp('2023-12-31T23:00:00Z')",
        "timestamp('2024-01-01T00:00:00Z') + duration('1h') == timestamp('2024-01-01T01:00:00Z')",
        "timestamp('2024-01-01T01:00:00Z') - timestamp('2024-01-01T00:00:00Z') == duration('1h')",
        "timestamp('2024-01-01T01:00:00Z') - duration('30m') == timestamp('2024-01-01T00:30:00Z')",
        "duration('1h30m').getMinutes() == 90", "duration('2h').getHours() == 2", "duration('90s').getSeconds() == 90",
        "duration('1.5s').getMilliseconds() == 1500", "duration('1s') + duration('500ms') == duration('1.5s')",
        "duration('1m') > duration('59s')", "duration('-1s') < duration('0')", "duration('1us') == duration('1000ns')",
        "timestamp('2024-01-01T00:00:00Z') < timestamp('2024-01-02T00:00:00Z')",
        // Optionals.
        "optional.of(1).hasValue()", "!optional.none().hasValue()", "optional.of(1).value() == 1",
        "optional.none().orValue(5) == 5", "optional.of(2).orValue(5) == 2",
        "optional.none().or(optional.of(3)).value() == 3",
        "optional.ofNonZeroValue(0) == optional.none()", "optional.ofNonZeroValue('x').hasValue()",
        "m.?a.value() == 1", "!m.?z.hasValue()", "m[?'b'].orValue(0) == 2", "l[?5].orValue(9) == 9",
        "l[?0] == optional.of(3)", "[?optional.of(1), ?optional.none(), 2] == [1, 2]",
        "{?'k': optional.none(), 'j': 1} == {'j': 1}", "optional.of(1).optMap(x, x + 1).value() == 2",
        "optional.none().optMap(x, x + 1) == optional.none()",
        "optional.of(2).optFlatMap(x, optional.of(x * 3)).value() == 6",
        "m.?a.orValue(0) + m.?z.orValue(0) == 1",
        // Strings extension (v2).
        "'hello'.charAt(1) == 'e'", "'hello'.charAt(5) == ''", "'hello'.indexOf('l') == 2",
        "'hello'.indexOf('l', 3) == 3",
        "'hello'.lastIndexOf('l') == 3", "'hello'.lastIndexOf('l', 2) == 2", "'hello'.indexOf('') == 0",
        "'hello'.indexOf('z') == -1", "'HeLLo'.lowerAscii() == 'hello'", "'HeLLo'.upperAscii() == 'HELLO'",
        "'aaa'.replace('a', 'b') == 'bbb'", "'aaa'.replace('a', 'b', 2) == 'bba'",
        "'a,b,c'.split(',') == ['a', 'b', 'c']",
        "'a,b,c'.split(',', 2) == ['a', 'b,c']", "'abc'.split('') == ['a', 'b', 'c']", "'hello'.substring(1) == 'ello'",
        "'hello'.substring(1, 3) == 'el'", "'  x y  '.trim() == 'x y'", "['a', 'b'].join() == 'ab'",
        "['a', 'b'].join('-') == 'a-b'", "[].join(',') == ''", "strings.quote('a\"b') == '\"a\\\\\"b\"'",
        "'%s is %d years'.format(['Ann', 30]) == 'Ann is 30 years'", "'%.2f'.format([3.14159]) == '3.14'",
        "'%x'.format([255]) == 'ff'", "'%X'.format([255]) == 'FF'", "'%o'.format([8]) == '10'",
        "'%b'.format([5]) == '101'",
        "'%s'.format([[1, 2]]) == '[1, 2]'", "'100%%'.format([]) == '100%'", "'%e'.format([1234.5]) == '1.234500e+03'",
        // Sets extension.
        "sets.contains([1, 2, 3], [2, 3])", "!sets.contains([1], [2])", "sets.equivalent([1, 2], [2, 1, 1])",
        "sets.intersects([1, 2], [2, 5])", "!sets.intersects([1], [])",
        // Regex library.
        "'abc123def'.find('[0-9]+') == '123'", "'abc'.find('[0-9]+') == ''",
        "'a1b2c3'.findAll('[0-9]') == ['1', '2', '3']",
        "'a1b2c3'.findAll('[0-9]', 2) == ['1', '2']", "'node.kubernetes.io/x'.find('^([^/]+)') == 'node.kubernetes.io'",
        "'x'.matches('(?i)X')", "'ab'.matches('^(?P<first>a)b$')",
        // Quantity library.
        "quantity('1Gi') == quantity('1024Mi')", "quantity('1k').asInteger() == 1000",
        "quantity('500m').isInteger() == false",
        "quantity('1.5').asApproximateFloat() == 1.5", "quantity('2').isGreaterThan(quantity('1'))",
        "quantity('1').isLessThan(quantity('2'))", "quantity('1').compareTo(quantity('1000m')) == 0",
        "quantity('1').add(quantity('1')) == quantity('2')", "quantity('1').add(2) == quantity('3')",
        "quantity('3').sub(1) == quantity('2')", "quantity('-1').sign() == -1", "isQuantity('10Mi')",
        "!isQuantity('ten')",
        "quantity('1e3').asInteger() == 1000", "quantity('1Ki').asInteger() == 1024",
        // URL library.
        "url('https://example.com:8080/path?x=1&x=2').getScheme() == 'https'",
        "url('https://example.com:8080/path').getHost() == 'example.com:8080'",
        "url('https://example.com:8080/path').getHostname() == 'example.com'",
        "url('https://example.com:8080/path').getPort() == '8080'",
        "url('https://example.com/a/b').getEscapedPath() == '/a/b'",
        "url('https://example.com/?x=1&x=2&y=').getQuery() == {'x': ['1', '2'], 'y': ['']}",
        "url('https://[::1]:80/').getHostname() == '::1'", "isURL('https://example.com')", "!isURL('not a url')",
        "isURL('/relative/path')",
        // IP and CIDR libraries.
        "ip('10.0.0.1').family() == 4", "ip('::1').family() == 6", "ip('127.0.0.1').isLoopback()",
        "ip('::1').isLoopback()",
        "ip('0.0.0.0').isUnspecified()", "ip('169.254.1.1').isLinkLocalUnicast()", "ip('fe80::1').isLinkLocalUnicast()",
        "ip('224.0.0.1').isLinkLocalMulticast()", "ip('8.8.8.8').isGlobalUnicast()",
        "!ip('127.0.0.1').isGlobalUnicast()",
        "string(ip('2001:db8::1')) == '2001:db8::1'", "ip.isCanonical('10.0.0.1')", "!ip.isCanonical('2001:DB8::1')",
        "ip('10.0.0.1') == ip('10.0.0.1')", "isIP('1.2.3.4')", "!isIP('1.2.3')", "!isIP('01.2.3.4')",
        "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))", "cidr('10.0.0.0/8').containsIP('10.1.2.3')",
        "!cidr('10.0.0.0/8').containsIP('11.0.0.1')", "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')",
        "!cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')", "cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')",
        "cidr('10.0.0.0/8').prefixLength() == 8", "cidr('10.0.0.0/8').ip() == ip('10.0.0.0')",
        "string(cidr('2001:db8::/32')) == '2001:db8::/32'", "isCIDR('10.0.0.0/8')", "!isCIDR('10.0.0.0/33')",
        // Dynamic values.
        "d == 'dynamic'", "d.size() == 7", "dyn({'a': 1}).a == 1", "dyn([1, 2])[0] == 1",
        // Null.
        "null == null", "dyn(null) == null", "{'a': null}.a == null",
    ]

    @Test("Expressions evaluate to true", arguments: truths)
    func evaluatesToTrue(_ text: String) throws {
        #expect(try Self.evaluate(text) == .bool(true), "\(text)")
    }

    /// Expressions that fail at runtime, with the error message.
    static let runtimeErrors: [(String, String)] = [
        ("1 / 0 == 0", "division by zero"), ("1 % 0 == 0", "modulus by zero"), ("1u / 0u == 0u", "division by zero"),
        ("9223372036854775807 + 1 > 0", "integer overflow"), ("-9223372036854775808 - 1 < 0", "integer overflow"),
        ("9223372036854775807 * 2 > 0", "integer overflow"), ("-(-9223372036854775808) > 0", "integer overflow"),
        ("0u - 1u == 0u", "unsigned integer overflow"), ("int(1e19) > 0", "integer overflow"),
        ("uint(-1) > 0u", "unsigned integer overflow"), ("m.z == 1", "no such key: z"),
        ("m['z'] == 1", "no such key: z"),
        ("l[5] == 0", "index out of bounds: 5"), ("l[-1] == 0", "index out of bounds: -1"),
        ("int('x') == 0", "strconv.ParseInt: parsing \"x\": invalid syntax"),
        ("bool('yes')", "type conversion error from 'string' to 'bool'"),
        ("d > 1", "no such overload"), ("dyn(1) + dyn('a') == 1", "no such overload"),
        ("'hello'.charAt(9) == ''", "index out of range: 9"),
        (
            "'hello'.substring(3, 1) == ''",
            "invalid substring range. start: 3, end: 1"
        ),
        ("[].min() == 0", "min(list) called on empty list"),
        ("optional.none().value() == 1", "optional.none() dereference"),
        ("quantity('1.5').asInteger() == 1", "cannot convert value to integer"),
        ("quantity('x') == quantity('1')", CELQuantity.formatError),
        ("{'a': 1, 'a': 2}.a == 1", "Failed with repeated key"),
        ("false || 1 / 0 == 1", "division by zero"), ("true && 1 / 0 == 1", "division by zero"),
        ("l.all(x, 10 / (x - 1) > 0)", "division by zero"),
        (
            "timestamp('9999-12-31T00:00:00Z') + duration('48h') > timestamp('2024-01-01T00:00:00Z')",
            "timestamp overflow"
        ),
    ]

    @Test("Runtime errors", arguments: runtimeErrors)
    func runtimeError(_ text: String, _ message: String) {
        do {
            let value = try Self.evaluate(text)
            Issue.record("\(text) evaluated to \(value)")
        } catch let error as CELRuntimeError {
            #expect(error.message == message, "\(text)")
        } catch {
            Issue.record("\(text): \(error)")
        }
    }

    /// Expressions that fail to compile, with cel-go's rendering.
    static let compileErrors: [(String, String)] = [
        (
            "1 == 'a'",
            "ERROR: <input>:1:3: found no matching overload for '_==_' applied to '(int, string)'\n | 1 == 'a'\n | ..^"
        ),
        ("x > 1", "ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x > 1\n | ^"),
        ("s.nope()", "ERROR: <input>:1:7: undeclared reference to 'nope' (in container '')\n | s.nope()\n | ......^"),
        (
            "'a'.reverse() == 'a'",
            "ERROR: <input>:1:12: undeclared reference to 'reverse' (in container '')\n | 'a'.reverse() == 'a'\n"
                + " | ...........^"
        ),
        (
            "'abc'.size(1)",
            "ERROR: <input>:1:11: found no matching overload for 'size' applied to 'string.(int)'\n |"
                + " 'abc'.size(1)\n | ..........^"
        ),
        (
            "i + 1.0 > 0",
            "ERROR: <input>:1:3: found no matching overload for '_+_' applied to '(int, double)'\n | i + 1.0 >"
                + " 0\n | ..^"
        ),
        (
            "[1, 'a'].size() == 2",
            "ERROR: <input>:1:5: expected type 'int' but found 'string'\n | [1, 'a'].size() == 2\n | ....^"
        ),
        (
            "1 +",
            "ERROR: <input>:1:4: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!',"
                + " 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 1 +\n | ...^"
        ),
        (
            "object.x in [1, 2, ",
            "ERROR: <input>:1:20: Syntax error: missing ']' at '<EOF>'\n | object.x in [1, 2, \n | ...................^"
        ),
        ("(1 + 2", "ERROR: <input>:1:7: Syntax error: missing ')' at '<EOF>'\n | (1 + 2\n | ......^"),
        ("1 2", "ERROR: <input>:1:3: Syntax error: extraneous input '2' expecting <EOF>\n | 1 2\n | ..^"),
        ("a # b", "ERROR: <input>:1:3: Syntax error: token recognition error at: '#'\n | a # b\n | ..^"),
        ("has(1)", "ERROR: <input>:1:5: invalid argument to has() macro\n | has(1)\n | ....^"),
        ("l.all(1, true)", "ERROR: <input>:1:7: argument must be a simple name\n | l.all(1, true)\n | ......^"),
        ("s.matches(')')", "ERROR: <input>:1:11: invalid matches argument\n | s.matches(')')\n | ..........^"),
        (
            "duration('bogus') > duration('1s')",
            "ERROR: <input>:1:10: invalid duration argument\n | duration('bogus') > duration('1s')\n | .........^"
        ),
        (
            "format.dns1123Label().validate('a').hasValue()",
            "ERROR: <input>:1:1: undeclared reference to 'format' (in container '')\n |"
                + " format.dns1123Label().validate('a').hasValue()\n | ^\n"
                + "ERROR: <input>:1:20: undeclared reference to 'dns1123Label' (in container '')\n |"
                + " format.dns1123Label().validate('a').hasValue()\n | ...................^\n"
                + "ERROR: <input>:1:31: undeclared reference to 'validate' (in container '')\n |"
                + " format.dns1123Label().validate('a').hasValue()\n | ..............................^"
        ),
        (
            "1.size()",
            "ERROR: <input>:1:7: found no matching overload for 'size' applied to 'int.()'\n | 1.size()\n | ......^"
        ),
        ("i.foo", "ERROR: <input>:1:2: type 'int' does not support field selection\n | i.foo\n | .^"),
        (
            "5.all(x, true)",
            "ERROR: <input>:1:1: expression of type 'int' cannot be range of a comprehension (must be list, map,"
                + " or dynamic)\n | 5.all(x, true)\n | ^"
        ),
        ("let + 1", "ERROR: <input>:1:1: reserved identifier: let\n | let + 1\n | ^"),
        ("18446744073709551616u > 0u", "ERROR: <input>:1:1: invalid uint literal\n | 18446744073709551616u > 0u\n | ^"),
        ("9223372036854775808 > 0", "ERROR: <input>:1:1: invalid int literal\n | 9223372036854775808 > 0\n | ^"),
        (
            "x.y &&\n  z",
            "ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x.y &&\n | ^\nERROR:"
                + " <input>:2:3: undeclared reference to 'z' (in container '')\n |   z\n | ..^"
        ),
        (
            "m.a == 'x'",
            "ERROR: <input>:1:5: found no matching overload for '_==_' applied to '(int, string)'\n | m.a =="
                + " 'x'\n | ....^"
        ),
        (
            "timestamp('2024-13-01T00:00:00Z') == timestamp(0)",
            "ERROR: <input>:1:11: invalid timestamp argument\n | timestamp('2024-13-01T00:00:00Z') =="
                + " timestamp(0)\n | ..........^"
        ),
    ]

    @Test("Compile errors render as cel-go renders them", arguments: compileErrors)
    func compileError(_ text: String, _ message: String) {
        do {
            _ = try CELEnvironment.compileChecked(text, in: Self.environment)
            Issue.record("\(text) compiled")
        } catch {
            #expect(error.description == message, "\(text)")
        }
    }

    @Test("Output types of checked expressions")
    func outputTypes() throws {
        let cases: [(String, CELType)] = [
            ("1 + 2", .int), ("'a' + s", .string), ("l.map(x, x > 1)", .list(.bool)), ("m.a", .int), ("d", .dyn),
            ("[]", .list(.dyn)), ("{'a': [1]}", .map(.string, .list(.int))), ("optional.of(s)", .optional(.string)),
            ("quantity('1')", .opaque("kubernetes.Quantity")), ("type(1)", .type(.int)), ("d.x", .dyn),
            ("l.filter(x, x > 1)", .list(.int)), ("m.?a", .optional(.int)), ("true ? 1 : 2", .int),
        ]
        for (text, expected) in cases {
            #expect(try Self.environment.compile(text).outputType == expected, "\(text)")
        }
    }

    @Test("Runtime cost is tracked and limited")
    func runtimeCost() throws {
        let program = try CELProgram("l.all(x, x > 0)", environment: Self.environment)
        let result = try program.evaluate(Self.activation)
        #expect(result.cost > 0)
        let expensive = try CELProgram(
            "[1, 2, 3, 4, 5].map(x, [1, 2, 3, 4, 5].map(y, x * y)).size() > 0",
            environment: Self.environment)
        #expect(throws: CELRuntimeError("operation cancelled: actual cost limit exceeded")) {
            _ = try expensive.evaluate([:], costLimit: 20)
        }
    }
}

extension CELEnvironment {
    /// Compiles and reports issues as ``CELIssues``.
    static func compileChecked(_ text: String, in environment: CELEnvironment) throws(CELIssues) -> CELChecked {
        try environment.compile(text)
    }
}
