import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The networks the server refuses to reach on a user's behalf. A pipe
/// owner chooses the host a server-side scan connects to (an S3 endpoint, an
/// FTP or SFTP host), so without a check a pipe could make the server read
/// a cloud metadata service or another link-local address it can reach and
/// its users cannot.
///
/// Every address the host name resolves to is checked; one denied address
/// refuses the scan. A name that does not resolve is let through: the
/// connection then fails on its own.
public struct OutboundPolicy: Sendable {
    /// Link-local (IPv4 and IPv6, cloud metadata at 169.254.169.254
    /// included), AWS's IPv6 metadata address, Alibaba's metadata address,
    /// and "this network" (0.0.0.0/8, which Linux routes to the host).
    public static let defaultDenied = [
        "169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32", "0.0.0.0/8",
    ]

    public let denied: [Network]

    /// `denied`: CIDR blocks (`10.0.0.0/8`, `fd00::/8`) or single addresses.
    public init(denied: [String] = OutboundPolicy.defaultDenied) throws(OutboundPolicyError) {
        self.denied = try denied.map { text throws(OutboundPolicyError) in try Network(parsing: text) }
    }

    /// The first denied network one of `host`'s addresses falls in, with that address.
    public func deniedAddress(of host: String) -> (address: String, network: Network)? {
        for address in Self.addresses(of: host) {
            if let network = denied.first(where: { $0.contains(address) }) {
                return (Network.text(of: address), network)
            }
        }
        return nil
    }

    /// `host`'s addresses as 4 or 16 bytes (IPv4-mapped IPv6 as IPv4); none when it does not resolve.
    static func addresses(of host: String) -> [[UInt8]] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let raw = entry.pointee.ai_addr {
                switch Int32(entry.pointee.ai_family) {
                case AF_INET:
                    raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                        out.append(withUnsafeBytes(of: address.pointee.sin_addr) { Array($0) })
                    }
                case AF_INET6:
                    raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                        out.append(Network.unmapped(withUnsafeBytes(of: address.pointee.sin6_addr) { Array($0) }))
                    }
                default: break
                }
            }
            cursor = entry.pointee.ai_next
        }
        return out
    }

    /// An address block: the first `prefixLength` bits of `address` (4 or 16 bytes).
    public struct Network: Sendable, CustomStringConvertible {
        public let address: [UInt8]
        public let prefixLength: Int

        init(parsing text: String) throws(OutboundPolicyError) {
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let first = parts.first, let bytes = Self.bytes(of: first) else {
                throw OutboundPolicyError(text: text, reason: "not an IPv4 or IPv6 address")
            }
            let bits = bytes.count * 8
            var length = bits
            if parts.count == 2 {
                guard let given = Int(parts[1]), (0...bits).contains(given) else {
                    throw OutboundPolicyError(text: text, reason: "the prefix length must be 0 to \(bits)")
                }
                length = given
            }
            address = bytes
            prefixLength = length
        }

        func contains(_ candidate: [UInt8]) -> Bool {
            guard candidate.count == address.count else { return false }
            var remaining = prefixLength
            for (mine, theirs) in zip(address, candidate) where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                if mine & mask != theirs & mask { return false }
                remaining -= 8
            }
            return true
        }

        public var description: String { "\(Self.text(of: address))/\(prefixLength)" }

        static func bytes(of text: String) -> [UInt8]? {
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
            return nil
        }

        /// `::ffff:a.b.c.d` as the IPv4 address it carries; other addresses unchanged.
        static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
            guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF
            else { return bytes }
            return Array(bytes[12..<16])
        }

        static func text(of bytes: [UInt8]) -> String {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let family = bytes.count == 4 ? AF_INET : AF_INET6
            let ok = bytes.withUnsafeBytes { raw in
                inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
            }
            let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return ok ? String(decoding: text, as: UTF8.self) : bytes.map(String.init).joined(separator: ".")
        }
    }
}

/// A deny-list entry that is not an address or CIDR block.
public struct OutboundPolicyError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "--deny-outbound \(text): \(reason)" }
}
