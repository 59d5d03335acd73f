#if canImport(Glibc)
    import Glibc
#endif

/// Reads a `/proc` or cgroup file whole: such files report a size of zero, and a reader that trusts the size or
/// stops at the first short read sees only part of a long one (such as `smaps`).
enum ProcFile {
    /// Bound on what is read, against a runaway file.
    static let maximumBytes = 64 << 20

    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < maximumBytes {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
