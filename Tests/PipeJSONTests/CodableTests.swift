import PipeJSON
import Testing

private struct Settings: Codable, Equatable {
    struct Options: Codable, Equatable {
        var include: String?
        var exclude: String?
        var dir: String?
    }

    var name: String
    var `protocol`: String
    var options: Options?
    var schema: JSON?
    var sizes: [Int]?
}

private struct Params: Codable {
    var settings: Settings
}

@Suite("The Codable bridge")
struct CodableTests {
    @Test("decode errors name the path of the bad field")
    func errorPath() throws {
        let value = try JSON.parse(#"{"settings":{"name":"p","protocol":"s3","options":{"include":3}}}"#)
        #expect {
            try JSONValueDecoder().decode(Params.self, from: value)
        } throws: { error in
            "\(error)" == "settings.options.include: expected a string, got 3"
        }
    }

    @Test("array positions appear in brackets, with a root prefix")
    func arrayPath() throws {
        let value = try JSON.parse(#"{"name":"p","protocol":"s3","sizes":[1,2,"x"]}"#)
        do {
            _ = try JSONValueDecoder().decode(Settings.self, from: value, rootPath: "settings")
            Issue.record("decode should fail")
        } catch {
            #expect(error.path == "settings.sizes[2]")
            #expect(error.reason == #"expected an integer, got "x""#)
        }
    }

    @Test("missing required fields are named")
    func missingField() throws {
        do {
            _ = try JSONValueDecoder().decode(Settings.self, from: ["name": "p"])
            Issue.record("decode should fail")
        } catch {
            #expect(error.description == "protocol: missing required field")
        }
    }

    @Test("integers out of the Swift type's range are refused, integral reals accepted")
    func integerRanges() throws {
        #expect(try JSONValueDecoder().decode(UInt8.self, from: .double(7.0)) == 7)
        #expect(throws: JSONDecodeError.self) { try JSONValueDecoder().decode(UInt8.self, from: 300) }
        #expect(throws: JSONDecodeError.self) { try JSONValueDecoder().decode(Int.self, from: 1.5) }
        #expect(try JSONValueDecoder().decode(Double.self, from: 3) == 3.0)
    }

    @Test("values round-trip, free-form JSON passes through untouched, key order follows the type")
    func roundTrip() throws {
        let schema: JSON = ["columns": ["a", "b"], "big": .integer(.max), "ratio": 0.1]
        let settings = Settings(
            name: "p", protocol: "s3", options: .init(include: "*.csv|*.txt", exclude: nil, dir: "sub"),
            schema: schema, sizes: [1, 2])
        let encoded = try JSONValueEncoder().encode(settings)
        #expect(
            encoded.description.hasPrefix(
                #"{"name":"p","protocol":"s3","options":{"include":"*.csv|*.txt","dir":"sub"}"#))
        #expect(encoded["schema"] == schema)
        #expect(try JSONValueDecoder().decode(Settings.self, from: encoded) == settings)
    }

    @Test("non-finite reals cannot be encoded")
    func nonFiniteEncoding() {
        #expect(throws: JSONEncodeError.self) { try JSONValueEncoder().encode(["x": Double.nan]) }
    }
}
