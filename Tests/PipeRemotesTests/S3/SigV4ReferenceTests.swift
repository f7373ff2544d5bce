import Foundation
import TestSupport
import Testing

@testable import PipeRemotes

/// A deterministic generator, so a failing request can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// One generated request as scripts/s3-sigv4-reference.py reads it.
struct ReferenceSpec: Codable {
    var method: String
    var base: String
    var bucket: String?
    var key: String?
    var params: [[String]]
    var headers: [String: String]
    var payload_hash: String
    var timestamp: String
    var region: String
    var access_key: String
    var secret_key: String
    var token: String?
}

struct ReferenceSignature: Codable {
    var url: String
    var authorization: String
}

/// Builds odd but valid requests: keys with spaces, unicode, `+ = ~ %`,
/// reserved characters and deep paths; query strings; extra headers.
struct RequestGenerator {
    var random = SplitMix64(state: 20_240_102)

    static let keyPieces = [
        "plain", "data.csv", "a b", "  two  spaces ", "ü", "日本語", "emoji😀", "+", "a+b", "=", "x=y", "~", "%",
        "%20", "100%", "&", "?", "#", ":", "@", "!", "*", "'", "(x)", "$", ",", ";", "[1]", "-_.", "tab\there",
        "é", "e\u{301}", "\\", "^", "`", "{}", "|", "\"q\"", "<>",
    ]
    static let endpoints = [
        "http://127.0.0.1:9000", "http://localhost:80", "https://minio.example.com:443", "https://S3.Example.COM:8443",
        "http://[::1]:9000",
    ]

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &random)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func text(_ alphabet: String, _ length: Int) -> String {
        let characters = Array(alphabet)
        return String((0..<length).map { _ in pick(characters) })
    }

    mutating func key() -> String {
        let depth = Int.random(in: 1...6, using: &random)
        var segments = (0..<depth).map { _ in
            (0..<Int.random(in: 1...3, using: &random)).map { _ in pick(Self.keyPieces) }.joined()
        }
        if chance(5) { segments.insert("", at: 1) }  // a//b
        return segments.joined(separator: "/")
    }

    mutating func configuration() throws -> S3Configuration {
        let base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let credentials = S3Credentials(
            accessKeyID: "AKIA" + text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), secretAccessKey: text(base64, 40),
            sessionToken: chance(30) ? text(base64 + "=", 120) : nil)
        let region = pick(["us-east-1", "eu-west-1", "ap-southeast-2"])
        let bucket = pick(["my-bucket", "data.pipe.bucket", "b12", "Legacy_Bucket"])
        let endpoint = chance(50) ? try S3Endpoint.parse(pick(Self.endpoints)) : nil
        return try S3Configuration(bucket: bucket, region: region, endpoint: endpoint, credentials: credentials)
    }

    mutating func request() -> S3Request {
        let hex = "0123456789abcdef"
        var request = S3Request(method: pick(["GET", "PUT", "POST", "DELETE", "HEAD"]), key: chance(85) ? key() : nil)
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            request.query = [("list-type", "2"), ("prefix", key() + "/")]
            if chance(50) { request.query.append(("continuation-token", text("abcXYZ019+/=", 40))) }
        case 1: request.query = [("uploads", "")]
        case 2:
            request.query = [
                ("partNumber", String(Int.random(in: 1...10_000, using: &random))),
                ("uploadId", text("aZ9+/=~._-", 30)),
            ]
        case 3: request.query = [(pick(Self.keyPieces), pick(Self.keyPieces)), (pick(Self.keyPieces), "")]
        default: break
        }
        if chance(40) { request.headers.append(("Content-MD5", text("ABCabc012+/", 22) + "==")) }
        if chance(40) { request.headers.append(("x-amz-meta-md5", text(hex, 32))) }
        if chance(20) { request.headers.append(("Content-Type", "text/plain; charset=utf-8")) }
        if chance(20) { request.headers.append(("x-amz-meta-Note", "  spaced   out \t value  ")) }
        if chance(15) { request.headers.append(("Range", "bytes=0-\(Int.random(in: 1...999, using: &random))")) }
        request.payloadHash = pick([SigV4Signer.emptyPayloadHash, SigV4Signer.unsignedPayload, text(hex, 64)])
        return request
    }
}

@Suite("SigV4 signing")
struct SigV4ReferenceTests {
    @Test("matches the GET example of the AWS SigV4 documentation")
    func awsDocumentationExample() throws {
        let signer = SigV4Signer(
            credentials: S3Credentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1")
        let added = signer.sign(
            method: "GET", path: "/test.txt", query: "",
            headers: [("host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: AmzDate(timestamp: "20130524T000000Z"))
        let authorization = added.first { $0.name == "Authorization" }?.value
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("300 generated requests get botocore's Authorization header and URL")
    func matchesBotocore() throws {
        var generator = RequestGenerator()
        var specs: [ReferenceSpec] = []
        var ours: [HTTPRequest] = []
        for _ in 0..<300 {
            let configuration = try generator.configuration()
            let request = generator.request()
            let seconds = Int.random(in: 1_420_070_400..<2_051_222_400, using: &generator.random)
            let remote = S3Remote(configuration)
            let date = AmzDate(seconds: seconds)
            ours.append(remote.signed(request, date: date))
            let address = configuration.address(forKey: request.key)
            let pathStyle = configuration.endpoint != nil || !configuration.isVirtualHostable
            specs.append(
                ReferenceSpec(
                    method: request.method,
                    base: configuration.endpoint.map { "\($0.scheme)://\($0.host):\($0.port!)" }
                        ?? "https://\(address.host)",
                    bucket: pathStyle ? configuration.bucket : nil, key: request.key,
                    params: request.query.map { [$0.name, $0.value] },
                    headers: Dictionary(request.headers.map { ($0.name, $0.value) }) { first, _ in first },
                    payload_hash: request.payloadHash, timestamp: date.timestamp, region: configuration.region,
                    access_key: configuration.credentials.accessKeyID,
                    secret_key: configuration.credentials.secretAccessKey, token: configuration.credentials.sessionToken
                ))
        }
        let encoder = JSONEncoder()
        let input = try specs.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        let output = try runPython("s3-sigv4-reference.py", input: Data(input.utf8))
        let lines = output.split(separator: UInt8(ascii: "\n"))
        try #require(lines.count == specs.count)
        for (index, line) in lines.enumerated() {
            let reference = try JSONDecoder().decode(ReferenceSignature.self, from: Data(line))
            let request = ours[index]
            let authorization = request.headers.first { $0.name == "Authorization" }?.value
            #expect(authorization == reference.authorization, "request \(index): \(request.method) \(request.url)")
            #expect(pathAndSortedQuery(request.url) == pathAndSortedQuery(reference.url), "request \(index)")
        }
    }

    @Test("percent-encodes as AWS specifies")
    func encoding() {
        #expect(URIEncoding.encode("a b/ü+=~%-_.") == "a%20b%2F%C3%BC%2B%3D~%25-_.")
        #expect(URIEncoding.encode("a b/c", keepingSlash: true) == "a%20b/c")
        #expect(
            URIEncoding.query([("prefix", "x/"), ("list-type", "2"), ("uploads", "")])
                == "list-type=2&prefix=x%2F&uploads=")
    }

    private func pathAndSortedQuery(_ url: String) -> [String] {
        let afterScheme = url.range(of: "://").map { url[$0.upperBound...] } ?? Substring(url)
        let pathAndQuery = afterScheme.drop { $0 != "/" }
        let parts = pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query = parts.count > 1 ? parts[1].split(separator: "&").map(String.init).sorted() : []
        return [String(parts[0])] + query
    }
}
