import TestSupport
import Testing

@testable import PipeRemotes

@Suite("S3 configuration")
struct S3ConfigurationTests {
    @Test("parses s3:// locations")
    func locations() throws {
        #expect(try S3Location.parse("s3://bucket") == S3Location(bucket: "bucket", prefix: ""))
        #expect(try S3Location.parse("s3://bucket/") == S3Location(bucket: "bucket", prefix: ""))
        #expect(try S3Location.parse("s3://my-bucket/a/b") == S3Location(bucket: "my-bucket", prefix: "a/b/"))
        #expect(try S3Location.parse("s3://my.bucket/pipe/") == S3Location(bucket: "my.bucket", prefix: "pipe/"))
        #expect(throws: S3ConfigurationError.self) { try S3Location.parse("https://bucket/x") }
        #expect(throws: S3ConfigurationError.self) { try S3Location.parse("s3://") }
        #expect(throws: S3ConfigurationError.self) { try S3Location.parse("s3://bu cket/x") }
        #expect(
            throws: S3ConfigurationError(field: "prefix", reason: "file name \"a/../b\" leaves its folder (\"..\")")
        ) {
            try S3Location.parse("s3://bucket/a/../b/")
        }
    }

    @Test("parses endpoints and refuses paths and user info")
    func endpoints() throws {
        let local = try S3Endpoint.parse("http://127.0.0.1:9000/")
        #expect(local == S3Endpoint(scheme: "http", host: "127.0.0.1", port: 9000))
        #expect(local.authority == "127.0.0.1:9000")
        #expect(try S3Endpoint.parse("https://Minio.Example.com:443").authority == "minio.example.com")
        #expect(try S3Endpoint.parse("http://[::1]:9000").authority == "[::1]:9000")
        for bad in ["127.0.0.1:9000", "ftp://host", "http://user:pw@host", "http://host/base", "http://host:99999"] {
            #expect(throws: S3ConfigurationError.self, "\(bad)") { try S3Endpoint.parse(bad) }
        }
    }

    @Test("region from AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1")
    func region() {
        #expect(S3Configuration.region(fromEnvironment: [:]) == "us-east-1")
        #expect(S3Configuration.region(fromEnvironment: ["AWS_DEFAULT_REGION": "eu-west-1"]) == "eu-west-1")
        #expect(
            S3Configuration.region(fromEnvironment: ["AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-1"])
                == "ap-south-1")
    }

    @Test("AWS buckets are virtual-hosted, custom endpoints and dotted buckets path-style")
    func addressing() throws {
        let credentials = S3Credentials(accessKeyID: "AKIA", secretAccessKey: "secret")
        let aws = try S3Configuration(bucket: "data", prefix: "p", region: "eu-west-1", credentials: credentials)
        #expect(aws.address(forKey: "p/a b.csv").host == "data.s3.eu-west-1.amazonaws.com")
        #expect(aws.address(forKey: "p/a b.csv").path == "/p/a%20b.csv")
        #expect(aws.address(forKey: nil).path == "/")
        let dotted = try S3Configuration(bucket: "my.data", credentials: credentials)
        #expect(dotted.address(forKey: "k").host == "s3.us-east-1.amazonaws.com")
        #expect(dotted.address(forKey: "k").path == "/my.data/k")
        let local = try S3Configuration(
            bucket: "data", endpoint: try S3Endpoint.parse("http://127.0.0.1:9000"), credentials: credentials)
        #expect(local.address(forKey: "x/y").base == "http://127.0.0.1:9000")
        #expect(local.address(forKey: "x/y").path == "/data/x/y")
        #expect(local.address(forKey: nil).path == "/data")
    }

    @Test("credentials never print their secrets")
    func redaction() {
        let credentials = S3Credentials(accessKeyID: "AKIA1", secretAccessKey: "hush", sessionToken: "tok")
        #expect(!"\(credentials)".contains("hush"))
        #expect(!"\(credentials)".contains("tok"))
    }
}

@Suite("S3 responses")
struct S3ResponseTests {
    static let page = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix>\
        <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\
        <Contents><Key>p/a &amp; b &lt;1&gt; &quot;q&quot; &#233;&#x263A;.csv</Key><LastModified>2024-01-02T03:04:05.250Z</LastModified>\
        <ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>\
        <Contents><Key>p/big</Key><LastModified>2024-01-02T03:04:05Z</LastModified>\
        <ETag>"0123456789abcdef0123456789abcdef-3"</ETag><Size>12582912</Size></Contents>\
        <Contents><Key>p/folder/</Key><LastModified>2024-01-02T03:04:05Z</LastModified><ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><Size>0</Size></Contents>\
        </ListBucketResult>
        """

    @Test("parses a ListObjectsV2 page with entities, times and ETags")
    func listPage() throws {
        let page = try S3ListPage.parse(Array(Self.page.utf8)).get()
        #expect(page.continuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        #expect(page.objects.count == 3)
        #expect(page.objects[0].key == "p/a & b <1> \"q\" é☺.csv")
        #expect(page.objects[0].lastModified == 1_704_164_645.25)
        #expect(page.objects[0].etag == "5d41402abc4b2a76b9719d911017c592")
        #expect(page.objects[1].size == 12_582_912)
        #expect(page.objects[1].etag == "0123456789abcdef0123456789abcdef-3")
    }

    @Test("maps listed objects to files: md5 only for plain ETags, folder markers skipped")
    func remoteFiles() throws {
        let remote = try Self.remote(prefix: "p/")
        let page = try S3ListPage.parse(Array(Self.page.utf8)).get()
        let files = try page.objects.compactMap { try remote.remoteFile(for: $0) }
        #expect(files.map(\.filename) == ["a & b <1> \"q\" é☺.csv", "big"])
        #expect(files[0].md5 == "5d41402abc4b2a76b9719d911017c592")
        #expect(files[0].crc == "5d41402abc4b2a76b9719d911017c592")
        #expect(files[1].md5 == nil)
        #expect(files[1].crc == "0123456789abcdef0123456789abcdef-3")
    }

    @Test(
        "refuses listed keys that would leave the prefix",
        arguments: ["p/../etc/passwd", "p//abs", "p/a/./b", "other/x"])
    func escapingKeys(key: String) throws {
        let remote = try Self.remote(prefix: "p/")
        let object = S3Object(key: key, lastModified: 0, size: 1, etag: "x")
        #expect { try remote.remoteFile(for: object) } throws: { ($0 as? RemoteError)?.kind == .invalidResponse }
    }

    @Test("a truncated page without a token, or a non-listing, is an invalid response")
    func badPages() {
        let truncated = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"
        #expect(throws: S3ResponseProblem.self) { try S3ListPage.parse(Array(truncated.utf8)).get() }
        #expect(throws: S3ResponseProblem.self) { try S3ListPage.parse(Array("<Error/>".utf8)).get() }
    }

    @Test("parses error bodies and maps them to kinds")
    func errors() {
        let body =
            "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key does not exist.</Message></Error>"
        #expect(
            S3ErrorBody.parse(Array(body.utf8)) == S3ErrorBody(code: "NoSuchKey", message: "The key does not exist."))
        #expect(S3Remote.kind(status: 404, code: "NoSuchKey") == .notFound)
        #expect(S3Remote.kind(status: 404, code: "") == .notFound)
        #expect(S3Remote.kind(status: 403, code: "SignatureDoesNotMatch") == .authentication)
        #expect(S3Remote.kind(status: 403, code: "InvalidAccessKeyId") == .authentication)
        #expect(S3Remote.kind(status: 403, code: "AccessDenied") == .permissionDenied)
        #expect(S3Remote.kind(status: 503, code: "SlowDown") == .transient)
        #expect(S3Remote.kind(status: 500, code: "") == .transient)
        #expect(S3Remote.kind(status: 400, code: "RequestTimeout") == .transient)
        #expect(S3Remote.kind(status: 400, code: "InvalidArgument") == .other)
    }

    @Test("reads ISO-8601 times as S3 writes them")
    func times() {
        #expect(ISO8601.seconds("1970-01-01T00:00:00.000Z") == 0)
        #expect(ISO8601.seconds("2009-10-12T17:50:30.000Z") == 1_255_369_830)
        #expect(ISO8601.seconds("2009-10-12T17:50:30Z") == 1_255_369_830)
        #expect(ISO8601.seconds("2009-10-12 17:50:30Z") == nil)
        #expect(ISO8601.seconds("2009-10-12T17:50:30+01:00") == nil)
    }

    @Test("grows the part size so no upload needs more than 10,000 parts")
    func partSize() {
        #expect(UploadPlan.partSize(for: 100 << 20, preferred: 16 << 20) == 16 << 20)
        let huge: Int64 = 1 << 40
        #expect(UploadPlan.partSize(for: huge, preferred: 16 << 20) * 10_000 >= huge)
    }

    static func remote(prefix: String) throws -> S3Remote {
        S3Remote(
            try S3Configuration(
                bucket: "bucket", prefix: prefix, credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "s")))
    }
}
