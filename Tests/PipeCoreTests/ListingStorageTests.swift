import Foundation
import GRDB
import PipeRemotes
import Testing

@testable import PipeCore

@Suite("Listings as the local repo stores them")
struct ListingStorageTests {
    static let files = [
        RemoteFile(filename: "a/b c.csv", modifiedAt: 1_700_000_000.123456, size: 1024, crc: "\"etag-1\"", md5: nil),
        RemoteFile(filename: "täst/new\nline\tand tab.bin", modifiedAt: 0, size: 0, crc: "d41d8", md5: "d41d8"),
        RemoteFile(filename: "big", modifiedAt: -1.5, size: Int64.max, crc: "", md5: ""),
    ]

    @Test("round trip keeps every field, odd names, absent and empty md5 apart")
    func roundTrip() throws {
        let decoded = try ListingCodec.decode(.blob(ListingCodec.encode(Self.files)))
        #expect(decoded == Dictionary(uniqueKeysWithValues: Self.files.map { ($0.filename, $0) }))
        #expect(decoded["a/b c.csv"]?.md5 == nil)
        #expect(decoded["big"]?.md5 == "")
    }

    @Test("listings stored as JSON text by earlier versions are still read")
    func earlierJSON() throws {
        let text = #"[{"filename":"x.csv","modified_at":12.5,"size":3,"crc":"abc","md5":"abc"}]"#
        #expect(
            try ListingCodec.decode(.text(text))
                == ["x.csv": RemoteFile(filename: "x.csv", modifiedAt: 12.5, size: 3, crc: "abc", md5: "abc")])
    }

    @Test("a truncated or foreign blob is an error, not a shorter listing")
    func damaged() throws {
        let encoded = ListingCodec.encode(Self.files)
        let firstEntryEnd = 8 + (4 + 9) + (4 + 8) + 4 + 8 + 8  // "a/b c.csv", its crc, no md5, time, size
        for cut in [1, 5, 20, firstEntryEnd, encoded.count - 1] {
            #expect(throws: ListingCorrupt.self) { try ListingCodec.decode(.blob(encoded.prefix(cut))) }
        }
        #expect(throws: ListingCorrupt.self) { try ListingCodec.decode(.blob(Data("[]".utf8))) }
        #expect(throws: ListingCorrupt.self) { try ListingCodec.decode(.blob(encoded + [0])) }
    }

    @Test("the state store reads back what it recorded, including a JSON row of an earlier version")
    func stateStore() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("listing-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try ProfileDatabase(path: folder + "/p.sqlite")
        let store = StateStore(database: database)
        let byName = Dictionary(uniqueKeysWithValues: Self.files.map { ($0.filename, $0) })
        try store.record(SyncState(remote: byName, local: [:], syncedAt: nil), pipe: "p", action: "push", files: [])
        #expect(try store.state(of: "p").remote == byName)
        try store.storeListing(Self.files, of: "p")
        #expect(Set(try store.cachedListing(of: "p", maxAge: 60) ?? []) == Set(Self.files))
        try database.pool.write { db in
            try db.execute(
                sql: "UPDATE listing_cache SET listing = ? WHERE pipe = 'p'",
                arguments: [#"[{"filename":"old.csv","modified_at":1,"size":1,"crc":"c"}]"#])
        }
        #expect(try store.cachedListing(of: "p", maxAge: 60)?.map(\.filename) == ["old.csv"])
    }
}
