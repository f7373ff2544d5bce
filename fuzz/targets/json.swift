// libFuzzer target: the JSON parser (PipeJSON over jansson).
// Invariants: parsing never crashes; a parsed value serializes to bytes that
// parse back to the same value, and serializing is stable (same bytes twice).
import PipeJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits reach the depth and size checks with short inputs.
    let limits = JSONParseLimits(maxBytes: 2048, maxDepth: 16)
    guard let value = try? JSON.parse(bytes, limits: limits) else { return 0 }
    let text = value.serialized()
    let again: JSON
    do {
        again = try JSON.parse(text, limits: JSONParseLimits(maxBytes: 1 << 20, maxDepth: 64))
    } catch {
        fatalError("serialized form does not parse: \(error) in \(String(decoding: text, as: UTF8.self))")
    }
    precondition(again == value, "round trip changed the value: \(String(decoding: text, as: UTF8.self))")
    precondition(again.serialized() == text, "serializing is not stable")
    return 0
}
