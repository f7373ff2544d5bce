/// Who logs in where, and how: what libcurl's connection cache keys on.
package struct FTPLogin: Sendable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var username: String
    package var password: String
    /// Explicit TLS (`AUTH TLS`), required for the control and data connections.
    package var tls: Bool
    /// Check the server's certificate and name (turn off only for test servers).
    package var verifyTLS: Bool
    /// Seconds to connect and log in.
    package var connectSeconds: Int
    /// A transfer or reply that stalls this long fails.
    package var stallSeconds: Int

    /// `ftp://host:port` (brackets around IPv6 addresses), no credentials.
    package var baseURL: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return "ftp://\(name):\(port)"
    }

    /// Never shows the password.
    package var description: String { "\(username)@\(host):\(port)\(tls ? " (TLS)" : "")" }
}

/// What a request does after logging in (and after its `quote` commands).
package enum FTPAction: Sendable {
    /// Reads the listing `command` (`LIST -a`, `MLSD`) of the folder into memory.
    case list(command: String)
    /// Writes the file's content to `descriptor`.
    case download(descriptor: Int32, path: String)
    /// Sends `length` bytes from `descriptor`.
    case upload(descriptor: Int32, path: String, length: Int64)
    /// Nothing: only the quote commands run.
    case commands
}

/// How libcurl walks to the file: fewest round trips vs. creating folders.
package enum FTPFolderMethod: Sendable {
    /// `RETR /full/path`: no CWD.
    case none
    /// One `CWD /full/folder`.
    case single
    /// One `CWD` per folder, creating missing ones (`MKD`) when asked.
    case perFolder
}

/// One request: a server path (absolute; ending in `/` for a folder), the
/// commands sent before and after it, and what it transfers.
package struct FTPRequest: Sendable {
    package var path: String
    package var action: FTPAction
    package var folderMethod: FTPFolderMethod
    package var createFolders = false
    /// Log in anew instead of reusing a connection (whose remembered
    /// current folder libcurl would trust).
    package var freshConnection = false
    /// Raw commands sent after login, before the transfer; a leading `*`
    /// makes a failure ignored.
    package var quote: [String] = []
    /// Raw commands sent after a successful transfer.
    package var postQuote: [String] = []

    package init(path: String, action: FTPAction, folderMethod: FTPFolderMethod = .none) {
        self.path = path
        self.action = action
        self.folderMethod = folderMethod
    }

    /// The URL path: `/%2F` then the components percent-encoded, so the
    /// server sees the absolute path.
    package func url(base: String) -> String {
        let isFolder = path.hasSuffix("/")
        let parts = path.split(separator: "/").map { Self.percentEncoded($0) }
        return base + "/%2F" + parts.joined(separator: "/") + (isFolder ? "/" : "")
    }

    static func percentEncoded(_ component: Substring) -> String {
        var encoded = ""
        for byte in component.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                encoded += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return encoded
    }
}

/// One command and the server's reply to it (all lines of a multi-line reply).
package struct FTPReply: Sendable, Equatable {
    /// The command as sent (a password is shown as `PASS ***`); empty for the greeting.
    package var command: String
    package var code: Int
    package var text: String

    /// `550 Permission denied.`: the last line, for messages.
    package var summary: String { text.split(separator: "\n").last.map(String.init) ?? "\(code)" }
}

/// What a finished request returned.
package struct FTPResponse: Sendable {
    /// A listing's bytes.
    package var body: [UInt8]
    /// For downloads: bytes written and their md5.
    package var receipt: DownloadReceipt?
    /// Every command of the conversation with its reply, in order.
    package var replies: [FTPReply]
    /// The folder the server put us in at login (`PWD`), when libcurl knows it.
    package var entryPath: String?

    /// The reply to the first command starting with `prefix`.
    package func reply(to prefix: String) -> FTPReply? {
        replies.first { $0.command.hasPrefix(prefix) }
    }
}

/// libcurl or the server failed a request.
package struct FTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The libcurl error code (`CURLcode`), 0 for local failures.
    package var code: Int
    /// libcurl's message (never includes credentials: they are not in URLs).
    package var reason: String
    /// The server's last reply, when there was one.
    package var lastReply: FTPReply?
    package var replies: [FTPReply] = []

    package init(code: Int, reason: String, lastReply: FTPReply? = nil, replies: [FTPReply] = []) {
        self.code = code
        self.reason = reason
        self.lastReply = lastReply
        self.replies = replies
    }

    package var description: String {
        guard let lastReply, !reason.contains(lastReply.summary) else { return reason }
        return "\(reason) (server: \(lastReply.summary))"
    }
}
