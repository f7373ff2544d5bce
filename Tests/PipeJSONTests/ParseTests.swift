import PipeJSON
import Testing

@Suite("Parsing JSON with jansson")
struct ParseTests {
    @Test("scalars, arrays and objects come back as their kinds")
    func kinds() throws {
        let value = try JSON.parse(#"{"n":null,"t":true,"f":false,"i":-12,"d":2.5,"s":"x","a":[1,"two"],"o":{}}"#)
        #expect(value["n"] == .null)
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["i"] == .integer(-12))
        #expect(value["d"] == .double(2.5))
        #expect(value["s"] == .string("x"))
        #expect(value["a"] == .array([.integer(1), .string("two")]))
        #expect(value["o"] == .object([:]))
    }

    @Test("integers are exact over the whole signed 64-bit range")
    func integerRange() throws {
        #expect(try JSON.parse("9223372036854775807") == .integer(.max))
        #expect(try JSON.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSON.parse("9223372036854775807").description == "9223372036854775807")
        #expect(try JSON.parse("-9223372036854775808").description == "-9223372036854775808")
    }

    @Test("integers beyond 64 bits are refused with a reason that says so")
    func integerOverflow() {
        #expect {
            try JSON.parse("9223372036854775808")
        } throws: { error in
            "\(error)".contains("64-bit")
        }
    }

    @Test("object key order is kept through parse and dump")
    func keyOrder() throws {
        let text = #"{"zeta":1,"alpha":2,"mid":{"b":1,"a":2}}"#
        #expect(try JSON.parse(text).description == text)
    }

    @Test("errors carry line, column and byte offset")
    func errorPosition() {
        do {
            _ = try JSON.parse("{\n  \"a\": tru\n}")
            Issue.record("parse should have failed")
        } catch {
            #expect(error.line == 2)
            #expect(error.column > 1)
            #expect(error.offset > 0)
            #expect(error.description.contains("line 2"))
        }
    }

    @Test(
        "invalid UTF-8 is refused",
        arguments: [[0x22, 0xC3, 0x28, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSON.parse(bytes) }
    }

    @Test("\\u0000 inside strings is allowed and survives")
    func embeddedNul() throws {
        let value = try JSON.parse(#""a\u0000b""#)
        #expect(value == .string("a\u{0}b"))
        #expect(value.description == #""a\u0000b""#)
    }

    @Test("nesting deeper than the limit is refused cleanly, at the limit it parses")
    func depthLimit() throws {
        let limits = JSONParseLimits(maxDepth: 64)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSON.parse(ok, limits: limits)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep, limits: limits) }
        let veryDeep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(veryDeep) }
    }

    @Test("texts over the size limit are refused before parsing")
    func sizeLimit() {
        let text = "\"" + String(repeating: "x", count: 100) + "\""
        #expect {
            try JSON.parse(text, limits: JSONParseLimits(maxBytes: 50))
        } throws: { error in
            "\(error)".contains("exceeds the limit")
        }
    }

    @Test("trailing garbage and empty input are errors")
    func trailingGarbage() {
        #expect(throws: JSONParseError.self) { try JSON.parse("{} x") }
        #expect(throws: JSONParseError.self) { try JSON.parse("") }
        #expect(throws: JSONParseError.self) { try JSON.parse("   ") }
    }

    @Test("a 5 MB string parses and round-trips")
    func bigString() throws {
        let payload = String(repeating: "abcdé", count: 1_000_000)
        let text = JSON.string(payload).description
        #expect(try JSON.parse(text) == .string(payload))
    }
}
