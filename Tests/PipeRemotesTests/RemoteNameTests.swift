import PipeRemotes
import Testing

/// Names from remote listings and from callers must stay below their root
/// before any file system sees them (SECURITY.md, path traversal).
@Suite("Remote names")
struct RemoteNameTests {
    @Test(
        "names that leave their folder or are ambiguous are refused with the reason",
        arguments: [
            ("../x", ".."), ("a/../../b", ".."), ("a/..", ".."), ("/etc/passwd", "absolute"), ("a\\..\\b", "backslash"),
            ("a\u{0}b", "NUL"), ("", "empty"), ("a//b", "empty or"), ("./a", "empty or"), ("a/.", "empty or"),
            ("a/", "empty or"),
        ])
    func refused(name: String, reason: String) throws {
        let problem = try #require(RemoteName.problem(with: name), "\(name.debugDescription) was accepted")
        #expect(problem.contains(reason), "\(problem)")
        #expect(throws: RemoteError.self) {
            try RemoteName.validate(name, protocolName: "test", location: "root")
        }
    }

    @Test(
        "ordinary relative names are accepted",
        arguments: ["a.csv", "sub/deeper/b.txt", "..a", "a..", "a/.hidden", "caf\u{E9}/ünï.csv", "a b/c"])
    func accepted(name: String) {
        #expect(RemoteName.problem(with: name) == nil)
    }
}
