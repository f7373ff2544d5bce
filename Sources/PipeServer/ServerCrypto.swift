import CCrypto

/// The server's cryptography, all through OpenSSL libcrypto: random bytes,
/// SHA-256, scrypt password hashes, constant-time compares and AES-256-GCM.
enum ServerCrypto {
    /// `count` bytes from the OpenSSL CSPRNG.
    static func randomBytes(_ count: Int) throws(ServerError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .crypto("RAND_bytes failed") }
        return bytes
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(bytes, bytes.count, &output, &length, EVP_sha256(), nil)
        return output
    }

    static func sha256Hex(_ text: String) -> String { hex(sha256(Array(text.utf8))) }

    /// Equal contents, compared in time independent of where they differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return CRYPTO_memcmp(a, b, a.count) == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out = [UInt8]()
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    // MARK: scrypt

    /// scrypt parameters: N = 2^15, r = 8, p = 1 (32 MiB), the OWASP minimum.
    struct ScryptParameters: Sendable, Equatable {
        var n: UInt64 = 1 << 15
        var r: UInt64 = 8
        var p: UInt64 = 1
    }

    /// `scrypt$N$r$p$salt-hex$hash-hex`.
    static func hashPassword(_ password: String, parameters: ScryptParameters = .init()) throws(ServerError) -> String {
        let salt = try randomBytes(16)
        let hash = try scrypt(password, salt: salt, parameters: parameters)
        return "scrypt$\(parameters.n)$\(parameters.r)$\(parameters.p)$\(hex(salt))$\(hex(hash))"
    }

    /// Whether `password` matches a `hashPassword` result.
    static func verifyPassword(_ password: String, stored: String) throws(ServerError) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = UInt64(parts[1]), let r = UInt64(parts[2]),
            let p = UInt64(parts[3]), let salt = unhex(parts[4]), let expected = unhex(parts[5])
        else { throw .crypto("stored password hash is malformed") }
        let actual = try scrypt(password, salt: salt, parameters: .init(n: n, r: r, p: p))
        return constantTimeEqual(actual, expected)
    }

    private static func scrypt(_ password: String, salt: [UInt8], parameters: ScryptParameters) throws(ServerError)
        -> [UInt8]
    {
        var key = [UInt8](repeating: 0, count: 32)
        let secret = Array(password.utf8)
        let maxMemory = 128 * parameters.r * parameters.n * parameters.p + (1 << 20)
        let result = secret.withUnsafeBufferPointer { secretBuffer in
            secretBuffer.withMemoryRebound(to: CChar.self) { chars in
                EVP_PBE_scrypt(
                    chars.baseAddress, chars.count, salt, salt.count, parameters.n, parameters.r, parameters.p,
                    maxMemory, &key, key.count)
            }
        }
        guard result == 1 else { throw .crypto("EVP_PBE_scrypt failed") }
        return key
    }

    // MARK: AES-256-GCM

    static let nonceLength = 12
    static let tagLength = 16

    /// `nonce ‖ ciphertext ‖ tag` under a 32-byte key, `context` bound as
    /// additional authenticated data (a sealed value opens only where it was sealed).
    static func seal(_ plaintext: [UInt8], key: [UInt8], context: String) throws(ServerError) -> [UInt8] {
        let nonce = try randomBytes(nonceLength)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw .crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let aad = Array(context.utf8)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: tagLength)
        var length: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            datapipe_gcm_set_ivlen(ctx, Int32(nonceLength)) == 1,
            EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) == 1,
            EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1,
            EVP_EncryptUpdate(ctx, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1
        else { throw .crypto("AES-GCM encryption failed") }
        total = Int(length)
        let finalOK = ciphertext.withUnsafeMutableBufferPointer { buffer in
            EVP_EncryptFinal_ex(ctx, buffer.baseAddress! + total, &length) == 1
        }
        guard finalOK, datapipe_gcm_get_tag(ctx, Int32(tagLength), &tag) == 1 else {
            throw .crypto("AES-GCM encryption failed")
        }
        total += Int(length)
        return nonce + ciphertext[0..<total] + tag
    }

    /// The plaintext of a `seal` result; fails when the key, context or bytes differ.
    static func open(_ sealed: [UInt8], key: [UInt8], context: String) throws(ServerError) -> [UInt8] {
        guard sealed.count >= nonceLength + tagLength else { throw .crypto("sealed value is too short") }
        let nonce = Array(sealed[0..<nonceLength])
        let body = Array(sealed[nonceLength..<(sealed.count - tagLength)])
        var tag = Array(sealed[(sealed.count - tagLength)...])
        guard let ctx = EVP_CIPHER_CTX_new() else { throw .crypto("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let aad = Array(context.utf8)
        var plaintext = [UInt8](repeating: 0, count: body.count + 16)
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            datapipe_gcm_set_ivlen(ctx, Int32(nonceLength)) == 1,
            EVP_DecryptInit_ex(ctx, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1,
            EVP_DecryptUpdate(ctx, &plaintext, &length, body, Int32(body.count)) == 1
        else { throw .crypto("AES-GCM decryption failed") }
        let total = Int(length)
        guard datapipe_gcm_set_tag(ctx, Int32(tagLength), &tag) == 1 else { throw .crypto("AES-GCM tag rejected") }
        let finalOK = plaintext.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(ctx, buffer.baseAddress! + total, &length) == 1
        }
        guard finalOK else { throw .crypto("sealed value failed authentication (wrong server key?)") }
        return Array(plaintext[0..<(total + Int(length))])
    }
}
