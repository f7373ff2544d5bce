#if canImport(Glibc)
    import Glibc
#endif

/// AWS Signature Version 4 for S3 requests sent through libcurl. The caller
/// passes the path and query exactly as they appear in the URL curl sends
/// (built with `URIEncoding`), so what is signed is what goes on the wire.
/// Only headers the caller sets explicitly are signed; headers curl adds on
/// its own (`Accept`, `Content-Length`, …) stay out of SignedHeaders.
struct SigV4Signer: Sendable {
    let credentials: S3Credentials
    let region: String
    var service = "s3"

    /// The payload hash S3 accepts in place of the body's SHA-256.
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The headers to send in addition to `headers`: `x-amz-date`,
    /// `x-amz-content-sha256`, `x-amz-security-token` (with a session token)
    /// and `Authorization`. `headers` must include `host` as curl sends it.
    func sign(
        method: String, path: String, query: String, headers: [(name: String, value: String)],
        payloadHash: String, date: AmzDate
    ) -> [(name: String, value: String)] {
        var added: [(name: String, value: String)] = [
            ("x-amz-date", date.timestamp), ("x-amz-content-sha256", payloadHash),
        ]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        let all = headers + added
        let canonical = canonicalHeaders(all)
        let signedHeaders = canonical.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            method.uppercased(), path, query,
            canonical.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(date.day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", date.timestamp, scope, S3Crypto.sha256Hex(canonicalRequest)]
            .joined(separator: "\n")
        var key = S3Crypto.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), date.day)
        for part in [region, service, "aws4_request"] { key = S3Crypto.hmacSHA256(key: key, part) }
        let signature = Hex.encode(S3Crypto.hmacSHA256(key: key, stringToSign))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return added + [("Authorization", authorization)]
    }

    /// Lowercased names, values trimmed with inner whitespace runs collapsed,
    /// repeated names joined with commas, sorted by name.
    private func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        for header in headers {
            let words = header.value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            merged[header.name.lowercased(), default: []].append(words.joined(separator: " "))
        }
        return merged.keys.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }
}

/// A signing time: `20240102T030405Z` and its day `20240102`.
struct AmzDate: Sendable, Equatable {
    let timestamp: String
    var day: String { String(timestamp.prefix(8)) }

    init(timestamp: String) { self.timestamp = timestamp }

    /// The UTC time `seconds` after 1970 (now by default).
    init(seconds: Int = time(nil)) {
        var moment = time_t(seconds)
        var parts = tm()
        gmtime_r(&moment, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        timestamp =
            "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}

/// Percent-encoding as AWS specifies it: unreserved characters
/// (`A-Z a-z 0-9 - _ . ~`) kept, every other UTF-8 byte as `%XX` (upper hex).
enum URIEncoding {
    private static let upperHex = Array("0123456789ABCDEF".utf8)

    /// Encodes one path (`/` kept) or one query component (`/` encoded).
    static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var output = [UInt8]()
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), upperHex[Int(byte >> 4)], upperHex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The canonical query string: each name and value encoded, sorted by
    /// name then value, `name=value` joined by `&` (an empty value keeps its `=`).
    static func query(_ parameters: [(name: String, value: String)]) -> String {
        parameters.map { (encode($0.name), encode($0.value)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
