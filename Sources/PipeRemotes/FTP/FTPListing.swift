#if canImport(Glibc)
    import Glibc
#endif

/// One entry of a folder listing.
package struct FTPListEntry: Sendable, Equatable {
    package enum Kind: Sendable, Equatable { case file, folder, other }

    package var name: String
    package var kind: Kind
    package var size: Int64?
    /// Seconds since 1970 (UTC), when the listing gives it.
    package var modifiedAt: Double?
    /// The time is exact (MLSD's `modify`), not LIST's minute or day.
    package var hasExactTime: Bool

    package init(name: String, kind: Kind, size: Int64?, modifiedAt: Double?, hasExactTime: Bool) {
        self.name = name
        self.kind = kind
        self.size = size
        self.modifiedAt = modifiedAt
        self.hasExactTime = hasExactTime
    }
}

/// Parses folder listings: MLSD (RFC 3659, exact) and LIST in the Unix `ls -l`
/// and DOS/IIS formats. Names keep their spaces; `.`/`..` are dropped.
package enum FTPListing {
    /// MLSD lines: `fact=value;fact=value; name`.
    package static func parseMLSD(_ text: String) -> [FTPListEntry] {
        lines(of: text).compactMap { line in
            guard let space = line.firstIndex(of: " ") else { return nil }
            let name = String(line[line.index(after: space)...])
            var facts: [String: Substring] = [:]
            for fact in line[..<space].split(separator: ";") {
                guard let equals = fact.firstIndex(of: "=") else { continue }
                facts[fact[..<equals].lowercased()] = fact[fact.index(after: equals)...]
            }
            let kind: FTPListEntry.Kind =
                switch facts["type"]?.lowercased() {
                case "file": .file
                case "dir": .folder
                default: .other  // cdir, pdir, OS.unix=slink:…
                }
            guard isOrdinaryName(name) else { return nil }
            let modified = facts["modify"].flatMap { timeval($0) }
            return FTPListEntry(
                name: name, kind: kind, size: (facts["size"] ?? facts["sizd"]).flatMap { Int64($0) },
                modifiedAt: modified, hasExactTime: modified != nil)
        }
    }

    /// LIST lines in the Unix or DOS format; other lines (`total 12`) are skipped.
    /// `now` resolves Unix dates without a year (the last 12 months).
    package static func parseLIST(_ text: String, now: Double) -> [FTPListEntry] {
        lines(of: text).compactMap { line in
            let entry = parseUnixLine(Array(line.utf8), now: now) ?? parseDOSLine(Array(line.utf8))
            guard let entry, isOrdinaryName(entry.name) else { return nil }
            return entry
        }
    }

    /// An MDTM/MLSD time `YYYYMMDDHHMMSS[.sss]` (UTC) as seconds since 1970.
    package static func timeval(_ text: Substring) -> Double? {
        let digits = Array(text.utf8)
        guard digits.count >= 14, digits[0..<14].allSatisfy(isDigit) else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(digits[$1] - UInt8(ascii: "0")) } }
        guard
            let whole = seconds(
                year: number(0..<4), month: number(4..<6), day: number(6..<8), hour: number(8..<10),
                minute: number(10..<12), second: number(12..<14))
        else { return nil }
        var fraction = 0.0
        if digits.count > 15, digits[14] == UInt8(ascii: "."), digits[15...].allSatisfy(isDigit) {
            fraction = Double("0" + String(decoding: digits[14...], as: UTF8.self)) ?? 0
        }
        return whole + fraction
    }

    // MARK: Unix `ls -l`

    /// `-rw-r--r--  1 owner group  1234 Nov 28 11:29 name with spaces`
    /// (group optional): the size is the number before the month, the name
    /// everything after the one space that follows the time or year.
    static func parseUnixLine(_ line: [UInt8], now: Double) -> FTPListEntry? {
        guard let type = line.first else { return nil }
        let kind: FTPListEntry.Kind
        switch type {
        case UInt8(ascii: "-"): kind = .file
        case UInt8(ascii: "d"): kind = .folder
        case UInt8(ascii: "l"), UInt8(ascii: "b"), UInt8(ascii: "c"), UInt8(ascii: "p"), UInt8(ascii: "s"):
            kind = .other
        default: return nil
        }
        let fields = tokens(line)
        guard fields.count >= 7 else { return nil }
        for index in 2..<(fields.count - 2) {
            let token = { (i: Int) in Array(line[fields[i]]) }
            guard let month = month(token(index)), let day = number(token(index + 1)), (1...31).contains(day),
                let size = number(token(index - 1))
            else { continue }
            let clock = token(index + 2)
            guard let modified = unixTime(clock, month: month, day: day, now: now) else { continue }
            let nameStart = fields[index + 2].upperBound + 1
            guard nameStart < line.count else { return nil }
            var name = String(decoding: line[nameStart...], as: UTF8.self)
            if kind == .other, type == UInt8(ascii: "l"), let arrow = name.firstRange(of: " -> ") {
                name = String(name[..<arrow.lowerBound])
            }
            return FTPListEntry(
                name: name, kind: kind, size: Int64(size), modifiedAt: modified, hasExactTime: false)
        }
        return nil
    }

    /// `HH:MM` (this year or last) or `YYYY`.
    private static func unixTime(_ clock: [UInt8], month: Int, day: Int, now: Double) -> Double? {
        if clock.count == 4, let year = number(clock) {
            return seconds(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        }
        guard clock.count == 5 || clock.count == 4, let colon = clock.firstIndex(of: UInt8(ascii: ":")),
            let hour = number(Array(clock[..<colon])), let minute = number(Array(clock[(colon + 1)...]))
        else { return nil }
        var current = tm()
        var clockNow = time_t(now)
        gmtime_r(&clockNow, &current)
        let thisYear = Int(current.tm_year) + 1900
        guard let candidate = seconds(year: thisYear, month: month, day: day, hour: hour, minute: minute, second: 0)
        else { return nil }
        // A date more than a day ahead is from last year (ls shows times for the last ~6 months).
        if candidate > now + 86_400 {
            return seconds(year: thisYear - 1, month: month, day: day, hour: hour, minute: minute, second: 0)
        }
        return candidate
    }

    // MARK: DOS / IIS

    /// `11-28-26  11:29AM       <DIR>          name` or `… 1234 name`.
    static func parseDOSLine(_ line: [UInt8]) -> FTPListEntry? {
        let fields = tokens(line)
        guard fields.count >= 4 else { return nil }
        let date = Array(line[fields[0]]).split(separator: UInt8(ascii: "-")).map { number(Array($0)) }
        guard date.count == 3, let month = date[0], let day = date[1], var year = date[2] else { return nil }
        if year < 100 { year += year < 70 ? 2000 : 1900 }
        var clock = Array(line[fields[1]])
        var hourShift: Int?
        let suffix = String(decoding: clock.suffix(2), as: UTF8.self).uppercased()
        if clock.count > 2, suffix == "AM" || suffix == "PM" {
            clock.removeLast(2)
            hourShift = suffix == "PM" ? 12 : 0
        }
        let parts = clock.split(separator: UInt8(ascii: ":")).map { number(Array($0)) }
        guard parts.count == 2, var hour = parts[0], let minute = parts[1] else { return nil }
        if let hourShift { hour = hour % 12 + hourShift }
        let sizeField = Array(line[fields[2]])
        let isFolder = sizeField == Array("<DIR>".utf8)
        let size = number(sizeField)
        guard isFolder || size != nil else { return nil }
        var nameStart = fields[2].upperBound
        while nameStart < line.count, line[nameStart] == UInt8(ascii: " ") { nameStart += 1 }
        guard nameStart < line.count else { return nil }
        return FTPListEntry(
            name: String(decoding: line[nameStart...], as: UTF8.self), kind: isFolder ? .folder : .file,
            size: size.map(Int64.init),
            modifiedAt: seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: 0),
            hasExactTime: false)
    }

    // MARK: Pieces

    private static func lines(of text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    private static func isOrdinaryName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".."
    }

    /// Ranges of the space-separated fields.
    private static func tokens(_ line: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        for (index, byte) in line.enumerated() {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                if let begun = start { ranges.append(begun..<index) }
                start = nil
            } else if start == nil {
                start = index
            }
        }
        if let start { ranges.append(start..<line.count) }
        return ranges
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func number(_ bytes: [UInt8]) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy(isDigit) else { return nil }
        return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    private static func month(_ bytes: [UInt8]) -> Int? {
        let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard bytes.count == 3 else { return nil }
        let lowered = String(decoding: bytes, as: UTF8.self).lowercased()
        return names.firstIndex(of: lowered).map { $0 + 1 }
    }

    /// UTC calendar time as seconds since 1970; nil for impossible dates.
    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Double? {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second)
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Double(timegm(&parts))
    }
}
