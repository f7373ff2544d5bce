import PipeCore
import PipeJSON
import Testing

@Suite("Pipe settings")
struct SettingsTests {
    struct InvalidCase: Sendable, CustomTestStringConvertible {
        let values: JSONObject
        let field: String
        var testDescription: String { "\(field): \(JSON.object(values))" }
    }

    static let remote: JSON = "/r"
    static let invalidCases: [InvalidCase] = [
        InvalidCase(values: ["protocol": "file"], field: "name"),
        InvalidCase(values: ["name": "bad_name", "protocol": "file"], field: "name"),
        InvalidCase(values: ["name": "p", "protocol": "gopher"], field: "protocol"),
        InvalidCase(values: ["name": "p", "protocol": "file"], field: "options.remotepath"),
        InvalidCase(
            values: ["name": "p", "protocol": "file", "options": ["remotepath": remote, "dir": "/abs"]],
            field: "options.dir"),
        InvalidCase(
            values: ["name": "p", "protocol": "file", "options": ["remotepath": remote, "dir": "C:\\data"]],
            field: "options.dir"),
        InvalidCase(
            values: ["name": "p", "protocol": "file", "options": ["remotepath": remote, "dir": "a/../../b"]],
            field: "options.dir"),
        InvalidCase(
            values: ["name": "p", "protocol": "file", "options": ["remotepath": remote, "include": 3]],
            field: "options.include"),
        InvalidCase(
            values: ["name": "p", "protocol": "s3", "options": ["remotepath": "bucket/x"]], field: "options.remotepath"),
        InvalidCase(values: ["name": "p", "protocol": "sftp"], field: "location"),
        InvalidCase(
            values: ["name": "p", "protocol": "file", "options": ["remotepath": remote, "concurrency": 0]],
            field: "options.concurrency"),
    ]

    @Test("errors name the field at fault", arguments: invalidCases)
    func invalid(_ invalid: InvalidCase) {
        #expect {
            try PipeSettings(invalid.values)
        } throws: { error in
            (error as? SettingsError)?.field == invalid.field
        }
    }

    @Test("alphanumeric names are accepted, extra keys and schema kept")
    func valid() throws {
        let settings = try PipeSettings([
            "name": "Vendor-2", "protocol": "s3",
            "options": ["remotepath": "s3://bucket/prefix/", "dir": "vendors/two"],
            "schema": ["pk": "id"], "owner_note": "keep me",
        ])
        #expect(settings.folder == "vendors/two")
        #expect(settings.schema == ["pk": "id"])
        #expect(settings.values["owner_note"] == "keep me")
    }

    @Test("credentials: flat or split, hidden unless revealed")
    func credentials() throws {
        let split = try PipeSettings([
            "name": "p", "protocol": "s3", "options": ["remotepath": "s3://b/"],
            "credentials": ["read": ["aws_access_key_id": "R"], "write": ["aws_access_key_id": "W"]],
        ])
        #expect(split.credentials(write: false)["aws_access_key_id"] == "R")
        #expect(split.credentials(write: true)["aws_access_key_id"] == "W")
        #expect(!JSON.object(split.shown(reveal: false)).description.contains("\"R\""))
        let flat = try PipeSettings([
            "name": "p", "protocol": "s3", "location": "b", "credentials": ["aws_access_key_id": "K"],
        ])
        #expect(flat.credentials(write: true)["aws_access_key_id"] == "K")
    }

    @Test("merging updates options key by key and null removes")
    func merge() throws {
        let settings = try PipeSettings([
            "name": "p", "protocol": "file", "options": ["remotepath": "/r", "include": "*.csv"],
        ])
        let merged = try settings.merged(with: ["options": ["exclude": "*.tmp", "include": nil], "schema": ["a": 1]])
        #expect(merged.options == ["remotepath": "/r", "exclude": "*.tmp"])
        #expect(merged.schema == ["a": 1])
    }
}
