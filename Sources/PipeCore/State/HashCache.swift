import GRDB
import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

/// md5s of local files, remembered by (path, size, mtime_ns, inode): an
/// unchanged tree is never read again. Lookups and updates are batched per
/// scan: one query in, one transaction out.
public struct HashCache: ContentFingerprints {
    let database: ProfileDatabase

    public init(database: ProfileDatabase) {
        self.database = database
    }

    public func md5s(
        of files: [WalkedFile], below root: String, known fresh: [String: String] = [:], cancellation: CancellationFlag
    ) throws -> [String] {
        let known = try database.pool.read { db in
            var known: [String: (size: Int64, mtime: Int64, inode: Int64, md5: String)] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT path, size, mtime_ns, inode, md5 FROM hash_cache WHERE path >= ? AND path < ?",
                arguments: [root + "/", root + "0"])
            while let row = try rows.next() {
                known[row[0]] = (row[1], row[2], row[3], row[4])
            }
            return known
        }
        var md5s: [String] = []
        md5s.reserveCapacity(files.count)
        var computed: [(path: String, file: WalkedFile, md5: String)] = []
        for file in files {
            try cancellation.check()
            let path = root + "/" + file.relativePath
            if let entry = known[path], entry.size == file.size, entry.mtime == file.modifiedNanoseconds,
                entry.inode == Int64(bitPattern: file.inode)
            {
                md5s.append(entry.md5)
            } else {
                let md5 = try fresh[file.relativePath] ?? FileCopy.md5(of: path, cancellation: cancellation)
                md5s.append(md5)
                computed.append((path, file, md5))
            }
        }
        if !computed.isEmpty {
            try database.pool.write { db in
                let statement = try db.makeStatement(
                    sql: "INSERT OR REPLACE INTO hash_cache (path, size, mtime_ns, inode, md5) VALUES (?, ?, ?, ?, ?)")
                for entry in computed {
                    try statement.execute(arguments: [
                        entry.path, entry.file.size, entry.file.modifiedNanoseconds,
                        Int64(bitPattern: entry.file.inode),
                        entry.md5,
                    ])
                }
            }
        }
        return md5s
    }

    /// Records md5s already known (of files just downloaded), so the next
    /// scan does not read them again.
    public func remember(_ files: [RemoteFile], below root: String) throws {
        guard !files.isEmpty else { return }
        try database.pool.write { db in
            let statement = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO hash_cache (path, size, mtime_ns, inode, md5) VALUES (?, ?, ?, ?, ?)")
            for file in files {
                guard let md5 = file.md5 else { continue }
                let path = root + "/" + file.filename
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
                try statement.execute(arguments: [
                    path, Int64(info.st_size), modified, Int64(bitPattern: UInt64(info.st_ino)), md5,
                ])
            }
        }
    }
}
