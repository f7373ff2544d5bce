import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

/// d6tpipe's name filters: fnmatch patterns joined by `|` (`*.csv|*.txt`),
/// where `*` also matches `/`. A name is kept when it matches some include
/// pattern (or there is none) and no exclude pattern. Each name is kept at
/// most once and the input order is kept (d6tpipe listed a name once per
/// matching pattern).
public struct FileFilter: Sendable, Equatable {
    public var include: [String]
    public var exclude: [String]

    public init(include: String?, exclude: String?) {
        self.include = Self.patterns(include)
        self.exclude = Self.patterns(exclude)
    }

    public static let everything = FileFilter(include: nil, exclude: nil)

    public var isEverything: Bool { include.isEmpty && exclude.isEmpty }

    public func admits(_ name: String) -> Bool {
        if !include.isEmpty, !include.contains(where: { Self.matches(name, $0) }) { return false }
        return !exclude.contains { Self.matches(name, $0) }
    }

    public func apply(_ files: [RemoteFile]) -> [RemoteFile] {
        isEverything ? files : files.filter { admits($0.filename) }
    }

    private static func patterns(_ joined: String?) -> [String] {
        guard let joined, !joined.isEmpty else { return [] }
        return joined.split(separator: "|", omittingEmptySubsequences: true).map(String.init)
    }

    private static func matches(_ name: String, _ pattern: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
