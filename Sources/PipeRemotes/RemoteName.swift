/// Checks names that come from listings and callers before they touch a
/// file system: a name must stay below its root.
public enum RemoteName {
    /// Nil when `name` is a safe relative path, else why not.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "empty file name" }
        if name.hasPrefix("/") { return "absolute path \"\(name)\"" }
        if name.utf8.contains(0) { return "file name with a NUL byte" }
        if name.contains("\\") { return "file name with a backslash \"\(name)\"" }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." { return "file name \"\(name)\" leaves its folder (\"..\")" }
            if component.isEmpty || component == "." { return "file name \"\(name)\" has an empty or \".\" component" }
        }
        return nil
    }

    /// Throws a `RemoteError` naming the file when `name` is not safe.
    public static func validate(_ name: String, protocolName: String, location: String) throws(RemoteError) {
        if let problem = problem(with: name) {
            throw RemoteError(
                .invalidResponse, protocolName: protocolName, location: location, reason: problem, file: name)
        }
    }
}
