#if canImport(Glibc)
    import Glibc
#endif

/// One object of a ListObjectsV2 page.
struct S3Object: Sendable, Equatable {
    var key: String
    var lastModified: Double
    var size: Int64
    /// Without the surrounding quotes.
    var etag: String
}

/// One page of ListObjectsV2.
struct S3ListPage: Sendable, Equatable {
    var objects: [S3Object]
    /// Set when more pages follow.
    var continuationToken: String?

    /// Parses a `ListBucketResult` body.
    static func parse(_ body: [UInt8]) -> Result<S3ListPage, S3ResponseProblem> {
        let xml = S3XML(body)
        guard xml.rootName == "ListBucketResult" else {
            return .failure(S3ResponseProblem("the listing is not a ListBucketResult"))
        }
        var objects: [S3Object] = []
        for entry in xml.elements("Contents") {
            guard let key = entry.value("Key"), let sizeText = entry.value("Size"), let size = Int64(sizeText),
                let modifiedText = entry.value("LastModified"), let modified = ISO8601.seconds(modifiedText)
            else { return .failure(S3ResponseProblem("a listing entry lacks Key, Size or LastModified")) }
            objects.append(
                S3Object(key: key, lastModified: modified, size: size, etag: unquoted(entry.value("ETag") ?? "")))
        }
        let truncated = xml.value("IsTruncated") == "true"
        let token = xml.value("NextContinuationToken")
        if truncated && (token ?? "").isEmpty {
            return .failure(S3ResponseProblem("a truncated listing without NextContinuationToken"))
        }
        return .success(S3ListPage(objects: objects, continuationToken: truncated ? token : nil))
    }
}

/// S3's `<Error><Code>…</Code><Message>…</Message></Error>` body.
struct S3ErrorBody: Sendable, Equatable {
    var code: String
    var message: String

    static func parse(_ body: [UInt8]) -> S3ErrorBody? {
        let xml = S3XML(body)
        guard xml.rootName == "Error", let code = xml.value("Code") else { return nil }
        return S3ErrorBody(code: code, message: xml.value("Message") ?? "")
    }
}

/// A response body that cannot be used.
struct S3ResponseProblem: Error, Sendable, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// `"abc"` → `abc` (ETags arrive quoted, sometimes as `&quot;abc&quot;`).
func unquoted(_ etag: String) -> String {
    var text = Substring(etag)
    if text.hasPrefix("\"") { text = text.dropFirst() }
    if text.hasSuffix("\"") { text = text.dropLast() }
    return String(text)
}

/// True for a 32-digit hex ETag: a single-part upload's md5.
func isPlainMD5(_ etag: String) -> Bool {
    etag.utf8.count == 32 && S3Crypto.bytes(fromHex: etag) != nil
}

/// ISO-8601 UTC times as S3 writes them (and the bridge and the repo
/// server answer file times): `2024-01-02T03:04:05.678Z`.
public enum ISO8601 {
    /// Seconds since 1970, nil unless the text is `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
    public static func seconds(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int32? {
            var value: Int32 = 0
            for byte in bytes[from..<(from + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        for (index, separator) in separators where Character(Unicode.Scalar(bytes[index])) != separator {
            return nil
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            let digits = bytes[20..<(bytes.count - 1)]
            guard bytes[19] == UInt8(ascii: "."), !digits.isEmpty,
                digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let value = Double("0." + String(decoding: digits, as: UTF8.self))
            else { return nil }
            fraction = value
        }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Double(timegm(&parts)) + fraction
    }
}
