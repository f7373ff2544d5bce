#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// File-scope wrappers: inside types with methods of the same name (`kill()`,
// `write(_:)`, `close()`), the unqualified C functions are shadowed.

func posixKill(_ pid: pid_t, _ signal: CInt) -> CInt { kill(pid, signal) }
func posixWrite(_ descriptor: CInt, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(descriptor, bytes, count) }
func posixClose(_ descriptor: CInt) { _ = close(descriptor) }
