import Testing

@testable import PipeRemotes

@Suite("FTP listings, times, locations and URLs")
struct FTPListingTests {
    /// 2026-11-28 12:00:00 UTC.
    static let now = 1_795_867_200.0

    @Test("Unix LIST lines: sizes, kinds, names with spaces, symlinks skipped as other, dot entries dropped")
    func unixLines() throws {
        let text = """
            total 24\r
            drwxr-xr-x    3 1001     1001         4096 Nov 28 11:29 .\r
            drwxr-xr-x    3 1001     0            4096 Nov 28 11:29 ..\r
            drwxr-xr-x    2 1001     1001         4096 Nov 28 11:29 b c\r
            -rw-r--r--    1 1001     1001         3000 Nov 28 11:29 my file.txt\r
            -rw-r--r--    1 1001     1001           12 Jan  3  2024   two leading spaces\r
            -rw-r--r--    1 owner              77 Oct 10 09:05 no-group\r
            lrwxrwxrwx    1 1001     1001            7 Nov 28 11:29 link -> my file.txt\r

            """
        let entries = FTPListing.parseLIST(text, now: Self.now)
        #expect(entries.map(\.name) == ["b c", "my file.txt", "  two leading spaces", "no-group", "link"])
        #expect(entries.map(\.kind) == [.folder, .file, .file, .file, .other])
        #expect(entries[1].size == 3000)
        #expect(
            entries[1].modifiedAt == FTPListing.seconds(year: 2026, month: 11, day: 28, hour: 11, minute: 29, second: 0)
        )
        #expect(
            entries[2].modifiedAt == FTPListing.seconds(year: 2024, month: 1, day: 3, hour: 0, minute: 0, second: 0))
        #expect(entries[3].size == 77)
        #expect(entries.allSatisfy { !$0.hasExactTime })
    }

    @Test("a Unix date without a year that would lie ahead is last year's")
    func lastYear() {
        let entries = FTPListing.parseLIST("-rw-r--r-- 1 u g 5 Dec 30 10:00 late.txt", now: Self.now)
        #expect(
            entries.first?.modifiedAt
                == FTPListing.seconds(year: 2025, month: 12, day: 30, hour: 10, minute: 0, second: 0))
    }

    @Test("DOS/IIS LIST lines")
    func dosLines() {
        let text = """
            11-28-26  11:29AM       <DIR>          sub folder
            01-02-2025  01:05PM                 1234 report 2025.csv
            01-02-25  12:00AM                    0 midnight.txt
            """
        let entries = FTPListing.parseLIST(text, now: Self.now)
        #expect(entries.map(\.name) == ["sub folder", "report 2025.csv", "midnight.txt"])
        #expect(entries.map(\.kind) == [.folder, .file, .file])
        #expect(entries[1].size == 1234)
        #expect(
            entries[1].modifiedAt == FTPListing.seconds(year: 2025, month: 1, day: 2, hour: 13, minute: 5, second: 0))
        #expect(
            entries[2].modifiedAt == FTPListing.seconds(year: 2025, month: 1, day: 2, hour: 0, minute: 0, second: 0))
    }

    @Test("MLSD facts: exact times with fractions, sizes, folder kinds, names with spaces and semicolons")
    func mlsd() {
        let text = """
            type=cdir;modify=20261128112943;perm=el; .\r
            type=pdir;modify=20261128112943;perm=el; ..\r
            type=dir;modify=20261128112943;perm=el; sub dir\r
            type=file;size=3000;modify=20261128112943.250;perm=r; a; b.txt\r
            Type=File;Size=5;Modify=20200101000000; upper.txt\r
            type=OS.unix=slink:/x;modify=20261128112943; link\r
            """
        let entries = FTPListing.parseMLSD(text)
        #expect(entries.map(\.name) == ["sub dir", "a; b.txt", "upper.txt", "link"])
        #expect(entries.map(\.kind) == [.folder, .file, .file, .other])
        #expect(entries[1].size == 3000)
        #expect(entries[1].modifiedAt == 1_795_865_383.25)
        #expect(entries[1].hasExactTime)
        #expect(entries[2].modifiedAt == 1_577_836_800)
    }

    @Test("MDTM times are UTC; malformed ones are nil")
    func mdtm() {
        #expect(FTPListing.timeval("19700101000000") == 0)
        #expect(FTPListing.timeval("20261128112943") == 1_795_865_383)
        #expect(FTPListing.timeval("2026112811294") == nil)
        #expect(FTPListing.timeval("20261328112943") == nil)
    }

    @Test("crc is mtime-size, whole seconds without a fraction")
    func crc() {
        #expect(FTPRemote.crc(1_795_865_383, 3000) == "1795865383-3000")
        #expect(FTPRemote.crc(1_795_865_383.25, 0) == "1795865383.25-0")
    }

    @Test("location: host, host:port, [v6]:port; schemes, paths and bad ports refused")
    func locations() throws {
        #expect(try FTPConfiguration.parseLocation("ftp.example.com") == ("ftp.example.com", 21))
        #expect(try FTPConfiguration.parseLocation("127.0.0.1:2121") == ("127.0.0.1", 2121))
        #expect(try FTPConfiguration.parseLocation("[::1]:990") == ("::1", 990))
        for bad in ["ftp://host", "host/path", "host:0", "host:99999", "host:x"] {
            #expect(throws: FTPConfigurationError.self, "\(bad)") { try FTPConfiguration.parseLocation(bad) }
        }
        #expect(throws: FTPConfigurationError.self) {
            try FTPConfiguration(host: "h", root: "relative/path", username: "u", password: "p")
        }
        let configuration = try FTPConfiguration(host: "h", root: "/a/b/", username: nil, password: "secret-pw")
        #expect(configuration.root == "/a/b")
        #expect(configuration.username == "anonymous")
        #expect(!"\(configuration)".contains("secret-pw"))
    }

    @Test("URLs: absolute paths via %2F, each component percent-encoded, folders end with /")
    func urls() {
        let base = "ftp://h:21"
        #expect(FTPRequest(path: "/", action: .commands).url(base: base) == "ftp://h:21/%2F/")
        #expect(FTPRequest(path: "/a b/", action: .commands).url(base: base) == "ftp://h:21/%2Fa%20b/")
        #expect(
            FTPRequest(path: "/x/ü%?#.txt", action: .commands).url(base: base) == "ftp://h:21/%2Fx/%C3%BC%25%3F%23.txt")
        #expect(FTPRemote.temporaryPath(for: "/a/b.txt") == "/a/.b.txt.datapipe-upload")
        #expect(FTPRemote.temporaryPath(for: "/b.txt") == "/.b.txt.datapipe-upload")
    }
}
