import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the first line an SSH server sends (`SSH-2.0-…`) on 127.0.0.1: user-mode networking accepts a
/// forwarded connection before the guest listens, so only the banner proves the guest's server is up.
enum SSHBanner {
    /// The banner on `port`, or nil when none came within `timeout` seconds.
    static func read(port: UInt16, timeout: Double) -> String? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while received.count < 256 && !received.contains(0x0A) {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 256)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            received += chunk[..<count]
        }
        return String(decoding: received, as: UTF8.self).trimmingCharacters(in: "\r\n")
    }
}
