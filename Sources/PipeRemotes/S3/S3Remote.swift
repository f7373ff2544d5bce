#if canImport(Glibc)
    import Glibc
#endif

/// An S3 bucket prefix (AWS, or any S3-compatible server) as a remote store.
/// crc is the ETag without quotes, as d6tpipe reports it; `md5` is the ETag
/// when it is a plain md5. Multipart uploads carry the whole file's md5 in
/// `x-amz-meta-md5`, which downloads verify against and `contentMD5(of:)` reads.
public struct S3Remote: RemoteStore {
    public let configuration: S3Configuration
    let client: CurlHTTPClient
    let signer: SigV4Signer

    public var protocolName: String { "s3" }

    /// `s3://bucket/prefix`, plus the endpoint when it is not AWS; never credentials.
    public var location: String {
        let root = "s3://\(configuration.bucket)/\(configuration.prefix)"
        return configuration.endpoint.map { "\(root) at \($0)" } ?? root
    }

    public init(_ configuration: S3Configuration) {
        self.init(configuration, client: .shared)
    }

    init(_ configuration: S3Configuration, client: CurlHTTPClient) {
        self.configuration = configuration
        self.client = client
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
    }

    /// The object key of a pipe file name.
    func key(_ name: String) -> String { configuration.prefix + name }

    /// Every object below the prefix (ListObjectsV2, 1,000 per page). Keys
    /// ending in `/` (folder markers) are skipped; a key that would leave the
    /// prefix (`..`, absolute) fails the listing with `.invalidResponse`.
    public func list() async throws -> [RemoteFile] {
        var files: [RemoteFile] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2")]
            if !configuration.prefix.isEmpty { query.append(("prefix", configuration.prefix)) }
            if let token { query.append(("continuation-token", token)) }
            let request = S3Request(method: "GET", key: nil, query: query)
            let response = try await retrying { try await send(request, file: nil) }
            let page: S3ListPage
            switch S3ListPage.parse(response.body) {
            case .success(let parsed): page = parsed
            case .failure(let problem): throw invalidResponse(problem.reason)
            }
            for object in page.objects {
                if let file = try remoteFile(for: object) { files.append(file) }
            }
            token = page.continuationToken
        } while token != nil
        return files
    }

    func remoteFile(for object: S3Object) throws -> RemoteFile? {
        let prefix = configuration.prefix.utf8
        guard object.key.utf8.starts(with: prefix) else {
            throw invalidResponse("listed key \"\(object.key)\" is outside the prefix", file: object.key)
        }
        let name = String(decoding: object.key.utf8.dropFirst(prefix.count), as: UTF8.self)
        if name.isEmpty || name.hasSuffix("/") { return nil }
        try RemoteName.validate(name, protocolName: protocolName, location: location)
        let md5 = isPlainMD5(object.etag) ? object.etag.lowercased() : nil
        return RemoteFile(
            filename: name, modifiedAt: object.lastModified, size: object.size, crc: object.etag, md5: md5)
    }

    /// Streams the object to `destination` (GetObject), hashing on the way,
    /// and checks the md5 against the ETag or `x-amz-meta-md5` when present.
    public func download(_ name: String, to destination: String, progress: TransferProgress?) async throws
        -> DownloadReceipt
    {
        try RemoteName.validate(name, protocolName: protocolName, location: location)
        let request = S3Request(method: "GET", key: key(name))
        return try await retrying {
            let descriptor = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw localError(FileSystemError(path: destination), file: name) }
            defer { close(descriptor) }
            let sink = HTTPResponseSink.file(descriptor: descriptor, path: destination)
            let response = try await send(request, file: name, sink: sink, progress: progress)
            guard let receipt = response.written else { throw invalidResponse("no body", file: name) }
            if let length = response.headers["content-length"].flatMap({ Int64($0) }), length != receipt.bytes {
                throw RemoteError(
                    .transient, protocolName: protocolName, location: location,
                    reason: "download incomplete: \(receipt.bytes) of \(length) bytes", file: name)
            }
            if let expected = Self.contentMD5(in: response.headers), expected != receipt.md5 {
                throw RemoteError(
                    .transient, protocolName: protocolName, location: location,
                    reason: "downloaded content has md5 \(receipt.md5), the object says \(expected)", file: name)
            }
            return receipt
        }
    }

    /// DeleteObject; a missing object is not an error.
    public func delete(_ name: String) async throws {
        try RemoteName.validate(name, protocolName: protocolName, location: location)
        let request = S3Request(method: "DELETE", key: key(name))
        do {
            _ = try await retrying { try await send(request, file: name) }
        } catch let failure as RemoteError where failure.kind == .notFound && !failure.reason.contains("NoSuchBucket") {
            return
        }
    }

    /// HeadObject: true when the object exists.
    public func exists(_ name: String) async throws -> Bool {
        try await head(name) != nil
    }

    /// The md5 of the object's content when S3 knows it: a plain-md5 ETag or,
    /// for multipart objects, the `x-amz-meta-md5` datapipe stores (one HEAD).
    public func contentMD5(of name: String) async throws -> String? {
        guard let headers = try await head(name) else {
            throw RemoteError(
                .notFound, protocolName: protocolName, location: location, reason: "no such object", file: name)
        }
        return Self.contentMD5(in: headers)
    }

    /// The response headers of HeadObject, nil when the object does not exist.
    func head(_ name: String) async throws -> [String: String]? {
        try RemoteName.validate(name, protocolName: protocolName, location: location)
        let request = S3Request(method: "HEAD", key: key(name))
        do {
            return try await retrying { try await send(request, file: name) }.headers
        } catch let failure as RemoteError where failure.kind == .notFound {
            return nil
        }
    }

    /// CreateBucket in the configured region; a bucket you already own is fine.
    public func createBucket() async throws {
        var request = S3Request(method: "PUT", key: nil)
        if configuration.region != S3Configuration.defaultRegion {
            let body =
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>"
            request = .withBody("PUT", key: nil, query: [], body: Array(body.utf8))
        }
        let response = try await retrying { try await sendUnchecked(request, file: nil) }
        if (200..<300).contains(response.status) { return }
        if S3ErrorBody.parse(response.body)?.code == "BucketAlreadyOwnedByYou" { return }
        throw error(for: response, file: nil)
    }
}
