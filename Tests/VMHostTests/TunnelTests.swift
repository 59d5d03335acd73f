import Foundation
import NIOCore
import NIOPosix
import NIOSSH
import Testing

@testable import VMHost

/// The publisher's SSH server and the node's client over loopback, relaying to a local echo server that stands
/// in for the VM's SSH port.
struct TunnelTests {
    /// Bytes sent to the publisher's forwarded port come back from the node's side unchanged, many at once, and
    /// the node counts them.
    @Test func relaysThroughTheForward() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let echo = try await Self.echoServer(group: group)
        let nodeKey = TunnelKey()
        let server = try await PublisherTunnelServer.start(
            group: group,
            hostKey: TunnelKey(),
            nodeKey: nodeKey.publicKey
        )
        let client = try await NodeTunnelClient.connect(
            group: group,
            host: "127.0.0.1",
            port: server.port,
            nodeKey: nodeKey,
            publisherHostKey: try TunnelKey.publicKey(openSSH: server.hostKey),
            guestPort: echo.localAddress!.port!
        )
        #expect(server.forwardedPorts == [client.forwardedPort])
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let reply = try await Task.detached { try exchange(payload, port: client.forwardedPort) }.value
        #expect(reply == payload)
        // Metered both ways: the publisher's bytes to the guest and the guest's answer.
        #expect(client.trafficBytes == 2 * UInt64(payload.count))
        await client.close()
        await server.close()
        try await echo.close()
    }

    /// A node whose key the publisher does not know is refused; so is a publisher whose host key is not the
    /// pinned one.
    @Test func refusesUnknownKeys() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let nodeKey = TunnelKey()
        let server = try await PublisherTunnelServer.start(
            group: group,
            hostKey: TunnelKey(),
            nodeKey: nodeKey.publicKey
        )
        let publisherKey = try TunnelKey.publicKey(openSSH: server.hostKey)
        await #expect(throws: VMHostError.self) {
            _ = try await NodeTunnelClient.connect(
                group: group,
                host: "127.0.0.1",
                port: server.port,
                nodeKey: TunnelKey(),
                publisherHostKey: publisherKey,
                guestPort: 9
            )
        }
        await #expect(throws: VMHostError.self) {
            _ = try await NodeTunnelClient.connect(
                group: group,
                host: "127.0.0.1",
                port: server.port,
                nodeKey: nodeKey,
                publisherHostKey: TunnelKey().publicKey,
                guestPort: 9
            )
        }
        #expect(server.forwardedPorts.isEmpty)
        await server.close()
    }

    /// A key survives being stored as its raw bytes; OpenSSH lines read back to the same key.
    @Test func keysRoundTrip() throws {
        let key = TunnelKey()
        let again = try TunnelKey(rawRepresentation: key.rawRepresentation)
        #expect(again.publicKey == key.publicKey)
        #expect(key.openSSHPublicKey.hasPrefix("ssh-ed25519 "))
        #expect(try TunnelKey.publicKey(openSSH: key.openSSHPublicKey + " comment") == key.publicKey)
        #expect(throws: VMHostError.self) { try TunnelKey(rawRepresentation: [1, 2, 3]) }
        #expect(throws: VMHostError.self) { try TunnelKey.publicKey(openSSH: "nonsense") }
    }

    static func echoServer(group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }
}

/// Writes back what it reads.
final class Echo: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.write(data, promise: nil) }

    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
}

/// Sends `bytes` to 127.0.0.1:`port` and reads as many back (blocking, each wait bounded to 10 s).
func exchange(_ bytes: [UInt8], port: Int) throws -> [UInt8] {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw VMHostError.tunnel("cannot connect to the forwarded port \(port)") }
    var received: [UInt8] = []
    var sent = 0
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while received.count < bytes.count {
        var poller = pollfd(
            fd: descriptor,
            events: Int16(POLLIN) | (sent < bytes.count ? Int16(POLLOUT) : 0),
            revents: 0
        )
        guard poll(&poller, 1, 10_000) > 0 else { throw VMHostError.tunnel("no progress for 10 s") }
        if poller.revents & Int16(POLLOUT) != 0, sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, min($0.count, 16_384), 0) }
            guard count > 0 else { throw VMHostError.tunnel("send failed") }
            sent += count
        }
        if poller.revents & Int16(POLLIN) != 0 {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw VMHostError.tunnel("the forward closed after \(received.count) bytes") }
            received += chunk[..<count]
        }
    }
    return received
}
