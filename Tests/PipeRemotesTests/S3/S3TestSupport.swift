import Foundation
import TestSupport
import Testing

@testable import PipeRemotes

/// A fresh folder under the system temp dir, removed when dropped.
final class ScratchFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "datapipe-s3-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `size` deterministic bytes (or `text`) to `name`; returns the full path.
    @discardableResult
    func write(_ name: String, size: Int, seed: UInt8 = 7) throws -> String {
        var bytes = [UInt8](repeating: 0, count: size)
        var value = UInt32(seed) &* 2_654_435_761
        for index in bytes.indices {
            value = value &* 1_103_515_245 &+ 12_345
            bytes[index] = UInt8(truncatingIfNeeded: value >> 16)
        }
        return try write(name, Data(bytes))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let full = path + "/" + name
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    func md5(_ name: String) throws -> String {
        try FileCopy.md5(of: path + "/" + name, cancellation: CancellationFlag())
    }
}
