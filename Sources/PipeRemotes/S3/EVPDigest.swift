import CCrypto

/// An incremental OpenSSL EVP digest (SHA-256 or MD5) that hands back raw bytes,
/// for SigV4 payload hashes and S3's `Content-MD5`.
struct EVPDigest: ~Copyable {
    private let context: OpaquePointer

    private init(_ algorithm: OpaquePointer?) {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, algorithm, nil)
    }

    static func sha256() -> EVPDigest { EVPDigest(EVP_sha256()) }
    static func md5() -> EVPDigest { EVPDigest(EVP_md5()) }

    deinit { EVP_MD_CTX_free(context) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest; the hasher is spent afterwards.
    consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return Array(digest.prefix(Int(length)))
    }
}

/// The one-shot hashes and encodings SigV4 and S3 headers need.
enum S3Crypto {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = EVPDigest.sha256()
        digest.update(bytes)
        return digest.finalize()
    }

    static func sha256Hex(_ text: String) -> String { Hex.encode(sha256(Array(text.utf8))) }

    static func md5(_ bytes: [UInt8]) -> [UInt8] {
        var digest = EVPDigest.md5()
        digest.update(bytes)
        return digest.finalize()
    }

    static func hmacSHA256(key: [UInt8], _ message: String) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let text = Array(message.utf8)
        _ = HMAC(EVP_sha256(), key, Int32(key.count), text, text.count, &output, &length)
        return Array(output.prefix(Int(length)))
    }

    /// Standard base64 with padding (OpenSSL's `EVP_EncodeBlock`).
    static func base64(_ bytes: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4 + 1)
        let length = EVP_EncodeBlock(&output, bytes, Int32(bytes.count))
        return String(decoding: output.prefix(Int(length)), as: UTF8.self)
    }

    /// Raw bytes of a hex string (nil when it is not hex).
    static func bytes(fromHex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
