import PipeJSON
import Testing

@Suite("Writing JSON")
struct SerializeTests {
    @Test("reals use the shortest form that reads back the same")
    func reals() throws {
        #expect(JSON.double(0.1).description == "0.1")
        #expect(JSON.double(1.0).description == "1.0")
        #expect(JSON.double(-2.5e-8).description == "-2.5e-08")
        for value in [0.1, 1.0 / 3.0, 1e300, -5e-324, 123456.789] {
            #expect(try JSON.parse(JSON.double(value).description) == .double(value))
        }
    }

    @Test("non-finite reals have no JSON form and are written as null")
    func nonFinite() {
        #expect(JSON.double(.nan).description == "null")
        #expect(JSON.double(.infinity).description == "null")
    }

    @Test("strings escape quotes, backslashes and control characters, and nothing else")
    func escapes() throws {
        let text = "q\"b\\n\nt\tc\u{1}é€😀"
        let written = JSON.string(text).description
        #expect(written == #""q\"b\\n\nt\tc\u0001é€😀""#)
        #expect(try JSON.parse(written) == .string(text))
    }

    @Test("output is compact")
    func compact() {
        let value: JSON = ["a": [1, 2, ["b": nil]], "c": "d"]
        #expect(value.description == #"{"a":[1,2,{"b":null}],"c":"d"}"#)
    }

    @Test("objects compare without regard to key order")
    func objectEquality() throws {
        #expect(try JSON.parse(#"{"a":1,"b":2}"#) == JSON.parse(#"{"b":2,"a":1}"#))
        #expect(try JSON.parse(#"{"a":1}"#) != JSON.parse(#"{"a":1.0}"#))
        var set = Set<JSON>()
        set.insert(try JSON.parse(#"{"a":1,"b":2}"#))
        #expect(set.contains(try JSON.parse(#"{"b":2,"a":1}"#)))
    }

    @Test("large objects keep order and look members up")
    func largeObject() {
        var object = JSONObject()
        for position in 0..<100 { object["k\(position)"] = .integer(Int64(position)) }
        object["k5"] = "replaced"
        object["k7"] = nil
        #expect(object.count == 99)
        #expect(object["k5"] == "replaced")
        #expect(object["k99"] == 99)
        #expect(object["k7"] == nil)
        #expect(object.keys.prefix(7) == ["k0", "k1", "k2", "k3", "k4", "k5", "k6"])
        #expect(object.keys[7] == "k8")
    }
}
