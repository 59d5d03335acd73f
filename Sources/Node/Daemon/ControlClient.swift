import Foundation
import Glibc

/// Why a command could not talk to the node.
public enum ControlError: Error, Equatable, CustomStringConvertible {
    case noNode(dataDirectory: String)
    case io(String)
    case badResponse(String)
    case failed(String)
    /// The node refused the request for the data directory's quota.
    case refused(QuotaRefusal)

    public var description: String {
        switch self {
        case .noNode(let directory):
            "no node runs on \(directory): start one with `zenfs node` (and `--peer HOST:PORT` to join others)"
        case .io(let reason): "lost the connection to the node: \(reason)"
        case .badResponse(let reason): "the node answered something unreadable: \(reason)"
        case .failed(let reason): reason
        case .refused(let refusal): refusal.storeError.description
        }
    }
}

/// The client side of the control socket: one blocking request and response at a time.
public final class ControlClient {
    private let fd: Int32

    /// The socket a node serves in its data directory.
    public static func socketPath(dataDirectory: String) -> String { dataDirectory + "/node.sock" }

    /// Connects to the node of a data directory; throws `.noNode` when none runs.
    public init(dataDirectory: String) throws(ControlError) {
        let path = Self.socketPath(dataDirectory: dataDirectory)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .io(String(cString: strerror(errno))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw .io("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw .noNode(dataDirectory: dataDirectory)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends one request and waits for its response; a response carrying an error is thrown as `.failed`
    /// (`.refused` when the quota refused it).
    public func send(_ request: ControlRequest) throws(ControlError) -> ControlResponse {
        guard var line = try? JSONEncoder().encode(request) else { throw .io("cannot encode the request") }
        line.append(0x0a)
        let written = line.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return false }
                offset += count
            }
            return true
        }
        guard written else { throw .io(String(cString: strerror(errno))) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while !received.contains(0x0a) {
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw .io(count == 0 ? "the node closed the connection" : String(cString: strerror(errno)))
            }
            received += chunk[0..<count]
        }
        let response: ControlResponse
        do {
            response = try JSONDecoder().decode(ControlResponse.self, from: Data(received))
        } catch {
            throw .badResponse("\(error)")
        }
        if let refusal = response.quotaRefusal { throw .refused(refusal) }
        if let error = response.error { throw .failed(error) }
        return response
    }
}
