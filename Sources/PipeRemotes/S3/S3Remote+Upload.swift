import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension S3Remote {
    /// PutObject below the multipart threshold, a multipart upload (parts in
    /// parallel) above it. Either way the object appears whole or not at all,
    /// and carries the file's md5 as `x-amz-meta-md5`.
    public func upload(_ source: String, as name: String, progress: TransferProgress?) async throws {
        try RemoteName.validate(name, protocolName: protocolName, location: location)
        let descriptor = open(source, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw localError(FileSystemError(path: source), file: name) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw localError(FileSystemError(path: source), file: name) }
        let size = Int64(info.st_size)
        let multipart = size >= configuration.multipartThreshold
        let partSize = multipart ? UploadPlan.partSize(for: size, preferred: configuration.partSize) : max(size, 1)
        let plan: UploadPlan
        do {
            plan = try await BlockingIO.run { cancellation in
                try UploadPlan.make(
                    descriptor: descriptor, path: source, size: size, partSize: partSize, cancellation: cancellation)
            }
        } catch let failure as FileSystemError {
            throw localError(failure, file: name)
        }
        if multipart {
            try await uploadMultipart(plan, descriptor: descriptor, source: source, name: name, progress: progress)
        } else {
            let part = plan.parts[0]
            let request = S3Request(
                method: "PUT", key: key(name),
                headers: [("Content-MD5", part.md5Base64), ("x-amz-meta-md5", plan.md5Hex)],
                body: .file(descriptor: descriptor, path: source, offset: 0, length: size),
                payloadHash: part.sha256Hex)
            _ = try await retrying { try await send(request, file: name, progress: progress) }
        }
    }

    private func uploadMultipart(
        _ plan: UploadPlan, descriptor: Int32, source: String, name: String, progress: TransferProgress?
    ) async throws {
        let create = S3Request(
            method: "POST", key: key(name), query: [("uploads", "")], headers: [("x-amz-meta-md5", plan.md5Hex)])
        let created = try await retrying { try await send(create, file: name) }
        guard let uploadID = S3XML(created.body).value("UploadId"), !uploadID.isEmpty else {
            throw invalidResponse("CreateMultipartUpload returned no UploadId", file: name)
        }
        do {
            let etags = try await uploadParts(
                plan, uploadID: uploadID, descriptor: descriptor, source: source, name: name, progress: progress)
            try await completeMultipart(uploadID: uploadID, etags: etags, name: name)
        } catch {
            let abort = S3Request(method: "DELETE", key: key(name), query: [("uploadId", uploadID)])
            // Detached: a cancelled upload must still be aborted, or its parts linger (and cost).
            await Task.detached { _ = try? await send(abort, file: name) }.value
            throw error
        }
    }

    /// Uploads the parts, `partConcurrency` at a time; returns their ETags in order.
    private func uploadParts(
        _ plan: UploadPlan, uploadID: String, descriptor: Int32, source: String, name: String,
        progress: TransferProgress?
    ) async throws -> [String] {
        let tally = PartTally(parts: plan.parts.count, report: progress)
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var etags = [String](repeating: "", count: plan.parts.count)
            var running = 0
            for part in plan.parts {
                if running >= max(configuration.partConcurrency, 1), let (number, etag) = try await group.next() {
                    etags[number - 1] = etag
                    running -= 1
                }
                let request = S3Request(
                    method: "PUT", key: key(name),
                    query: [("partNumber", String(part.number)), ("uploadId", uploadID)],
                    headers: [("Content-MD5", part.md5Base64)],
                    body: .file(descriptor: descriptor, path: source, offset: part.offset, length: part.length),
                    payloadHash: part.sha256Hex)
                group.addTask {
                    let response = try await retrying {
                        try await send(request, file: name) { tally.update(part: part.number, bytes: $0) }
                    }
                    guard let etag = response.headers["etag"], !etag.isEmpty else {
                        throw invalidResponse("part \(part.number) uploaded without an ETag", file: name)
                    }
                    return (part.number, etag)
                }
                running += 1
            }
            for try await (number, etag) in group { etags[number - 1] = etag }
            return etags
        }
    }

    private func completeMultipart(uploadID: String, etags: [String], name: String) async throws {
        var body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (index, etag) in etags.enumerated() {
            body += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part>"
        }
        body += "</CompleteMultipartUpload>"
        let request = S3Request.withBody(
            "POST", key: key(name), query: [("uploadId", uploadID)], body: Array(body.utf8))
        try await retrying {
            let response = try await send(request, file: name)
            // S3 may answer 200 and still fail: the error is then in the body.
            if S3XML(response.body).rootName == "Error" { throw error(for: response, file: name) }
        }
    }
}

/// Sums the bytes sent by the parts of one upload for its progress callback.
private final class PartTally: Sendable {
    private let sent: Mutex<[Int64]>
    private let report: TransferProgress?

    init(parts: Int, report: TransferProgress?) {
        sent = Mutex([Int64](repeating: 0, count: parts))
        self.report = report
    }

    func update(part number: Int, bytes: Int64) {
        guard let report else { return }
        let total = sent.withLock { sent in
            sent[number - 1] = bytes
            return sent.reduce(0, +)
        }
        report(total)
    }
}
