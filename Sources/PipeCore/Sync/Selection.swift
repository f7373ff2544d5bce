import PipeRemotes

/// d6tpipe's sync modes: which changed files a pull or push takes.
public enum SyncMode: String, Sendable, CaseIterable, Codable {
    /// New and modified files.
    case `default`
    /// Files not seen at the last sync.
    case new
    /// Files seen at the last sync whose content changed.
    case mod
    /// Every file.
    case all
}

/// What a pull or push should move: the call's choices.
public struct SelectionRequest: Sendable, Equatable {
    /// Explicit names; when given, mode, filters and nrecent are not applied.
    public var files: [String]?
    public var include: String?
    public var exclude: String?
    /// n newest files by modification time; negative: the n oldest; 0: all.
    public var nrecent: Int
    public var mode: SyncMode

    public init(
        files: [String]? = nil, include: String? = nil, exclude: String? = nil, nrecent: Int = 0,
        mode: SyncMode = .default
    ) {
        self.files = files
        self.include = include
        self.exclude = exclude
        self.nrecent = nrecent
        self.mode = mode
    }
}

enum Selection {
    /// The files of `current` that `request` picks, compared with `recorded`
    /// (the same side as it was at the last sync), sorted by name.
    ///
    /// Order of steps: the call's filters, then `nrecent`, then the mode — so
    /// `nrecent: 2, include: "*.csv"` means the two newest csv files.
    static func select(
        from current: [RemoteFile], recorded: [String: RemoteFile], request: SelectionRequest
    ) throws(SyncError) -> [RemoteFile] {
        if let names = request.files {
            let byName = Dictionary(current.map { ($0.filename, $0) }, uniquingKeysWith: { first, _ in first })
            let missing = names.filter { byName[$0] == nil }
            guard missing.isEmpty else { throw SyncError.filesNotFound(missing) }
            var seen = Set<String>()
            return names.filter { seen.insert($0).inserted }.compactMap { byName[$0] }.sorted {
                $0.filename < $1.filename
            }
        }
        var candidates = FileFilter(include: request.include, exclude: request.exclude).apply(current)
        if request.nrecent != 0 {
            let byAge = candidates.sorted { ($0.modifiedAt, $0.filename) < ($1.modifiedAt, $1.filename) }
            candidates =
                request.nrecent > 0 ? Array(byAge.suffix(request.nrecent)) : Array(byAge.prefix(-request.nrecent))
        }
        let picked = candidates.filter { file in
            let before = recorded[file.filename]
            switch request.mode {
            case .all: return true
            case .new: return before == nil
            case .mod: return before.map { $0.crc != file.crc } ?? false
            case .default: return before.map { $0.crc != file.crc } ?? true
            }
        }
        return picked.sorted { $0.filename < $1.filename }
    }
}
