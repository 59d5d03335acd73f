import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking client of QEMU's QMP socket (a Unix socket, one JSON object per line). It reads the greeting,
/// enters command mode, then runs one command at a time, skipping the events that arrive in between (their
/// names are kept in `events`). Every wait is bounded by the timeout given.
public final class QMPClient: @unchecked Sendable {
    // The descriptor and buffer are only touched under `lock`.
    private let lock = NSLock()
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var seenEvents: [String] = []
    public let version: String
    /// Seconds a command may take before `VMHostError.qmp` is thrown.
    public let timeout: Double
    /// Bound on a line, against a runaway peer.
    static let maximumLineBytes = 4 << 20

    /// Connects to `path`, retrying while the socket does not exist yet, for at most `timeout` seconds.
    public init(path: String, timeout: Double = 10) throws(VMHostError) {
        self.timeout = timeout
        let deadline = Date().addingTimeInterval(timeout)
        var connected: Int32 = -1
        while connected < 0 {
            connected = Self.connect(path)
            if connected < 0 {
                guard Date() < deadline else {
                    throw .qmp("cannot connect to \(path): \(String(cString: strerror(errno)))")
                }
                usleep(50_000)
            }
        }
        descriptor = connected
        var greeting: String?
        do throws(VMHostError) {
            let first = try Self.readLine(descriptor, &buffer, deadline: Date().addingTimeInterval(timeout))
            guard case .greeting(let version) = try QMPMessage.parse(first) else {
                throw VMHostError.qmp("the socket did not greet with QMP: \(first.prefix(200))")
            }
            greeting = version
        } catch {
            close(connected)
            throw error
        }
        version = greeting ?? "?"
        _ = try execute("qmp_capabilities")
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Names of the events received so far (`POWERDOWN`, `SHUTDOWN`, …).
    public var events: [String] { lock.withLock { seenEvents } }

    /// Runs `command` with optional JSON `arguments` and returns its return value's JSON.
    @discardableResult
    public func execute(_ command: String, arguments: [String: any Sendable]? = nil) throws(VMHostError) -> Data {
        lock.lock()
        defer { lock.unlock() }
        guard descriptor >= 0 else { throw .qmp("the connection is closed") }
        var request: [String: Any] = ["execute": command]
        if let arguments { request["arguments"] = arguments }
        guard let json = try? JSONSerialization.data(withJSONObject: request) else {
            throw .qmp("cannot encode the arguments of \(command)")
        }
        try Self.writeAll(descriptor, Array(json) + [0x0A])
        let deadline = Date().addingTimeInterval(timeout)
        // Events may come before the answer; at most this many are skipped.
        for _ in 0..<1_000 {
            let line = try Self.readLine(descriptor, &buffer, deadline: deadline)
            switch try QMPMessage.parse(line) {
            case .success(let value): return value
            case .failure(let errorClass, let description):
                throw .qmpCommandFailed(command: command, errorClass: errorClass, message: description)
            case .event(let name): seenEvents.append(name)
            case .greeting: throw .qmp("a second greeting")
            }
        }
        throw .qmp("no answer to \(command) among 1000 events")
    }

    /// Runs `command` and decodes its return value as `T`.
    public func query<T: Decodable>(_ command: String, as type: T.Type) throws(VMHostError) -> T {
        try QMPMessage.decodeReturn(T.self, from: try execute(command), command: command)
    }

    /// Closes the socket.
    public func disconnect() {
        lock.withLock {
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    static func connect(_ path: String) -> Int32 {
        let socketDescriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { return -1 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(socketDescriptor)
            errno = ENAMETOOLONG
            return -1
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let saved = errno
            close(socketDescriptor)
            errno = saved
            return -1
        }
        return socketDescriptor
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(VMHostError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw .qmp("write failed: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    static func readLine(_ descriptor: Int32, _ buffer: inout [UInt8], deadline: Date) throws(VMHostError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                if line.allSatisfy({ $0 == " " || $0 == "\r" }) { continue }
                return line
            }
            guard buffer.count < maximumLineBytes else { throw .qmp("a line longer than \(maximumLineBytes) bytes") }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw .qmp("no answer in time") }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining * 1000, 1000)) + 1)
            if ready < 0 && errno != EINTR { throw .qmp("poll failed: \(String(cString: strerror(errno)))") }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw .qmp("QEMU closed the socket") }
            buffer += chunk[..<count]
        }
    }
}
