import NIOCore
import NIOPosix
import NIOSSH

/// The node's end of the RFC's tunnel: an SSH client that dials the publisher's address, checks its pinned host
/// key, logs in with the node's key, asks for a remote forward on the publisher's loopback, and relays each
/// connection the publisher makes there to the VM's SSH port on the node (QEMU's forward on 127.0.0.1).
public final class NodeTunnelClient: Sendable {
    private let channel: any Channel
    private let traffic: Locked<UInt64>
    /// The port on the publisher's loopback that reaches the VM (`ssh -p PORT root@127.0.0.1` there).
    public let forwardedPort: Int

    private init(channel: any Channel, traffic: Locked<UInt64>, forwardedPort: Int) {
        self.channel = channel
        self.traffic = traffic
        self.forwardedPort = forwardedPort
    }

    /// Bytes relayed between the publisher and the VM so far, both ways (the lease's metered traffic).
    public var trafficBytes: UInt64 { traffic.value }

    /// Connects to `host`:`port`, opens the forward and starts relaying to 127.0.0.1:`guestPort`.
    public static func connect(
        group: any EventLoopGroup,
        host: String,
        port: Int,
        nodeKey: TunnelKey,
        publisherHostKey: NIOSSHPublicKey,
        guestPort: Int,
        username: String = "zenfs-node"
    ) async throws(VMHostError) -> NodeTunnelClient {
        let traffic = Locked<UInt64>(0)
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let configuration = SSHClientConfiguration(
                        userAuthDelegate: KeyLogin(username: username, key: nodeKey),
                        serverAuthDelegate: PinnedHostKey(expected: publisherHostKey)
                    )
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOSSHHandler(
                            role: .client(configuration),
                            allocator: channel.allocator,
                            inboundChildChannelInitializer: { child, type in
                                relayToGuest(child, type: type, guestPort: guestPort, traffic: traffic)
                            }
                        ),
                        CloseOnError(),
                    ])
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw .tunnel("cannot reach the publisher at \(host):\(port): \(error)")
        }
        do {
            let response = try await channel.eventLoop.flatSubmit {
                let promise = channel.eventLoop.makePromise(of: GlobalRequest.TCPForwardingResponse?.self)
                do {
                    let ssh = try channel.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                    ssh.sendTCPForwardingRequest(.listen(host: "127.0.0.1", port: 0), promise: promise)
                } catch {
                    promise.fail(error)
                }
                return promise.futureResult
            }.get()
            guard let forwarded = response?.boundPort else { throw VMHostError.tunnel("the publisher bound no port") }
            return NodeTunnelClient(channel: channel, traffic: traffic, forwardedPort: forwarded)
        } catch {
            try? await channel.close()
            throw .tunnel("the publisher at \(host):\(port) refused the forward or the login: \(error)")
        }
    }

    /// Whether the SSH connection is still open.
    public var isActive: Bool { channel.isActive }

    /// Closes the connection (and with it the publisher's forward).
    public func close() async {
        try? await channel.close()
    }

    /// Waits until the connection closes (the publisher went away or `close` was called).
    public func closed() async {
        try? await channel.closeFuture.get()
    }

    static func relayToGuest(
        _ child: any Channel,
        type: SSHChannelType,
        guestPort: Int,
        traffic: Locked<UInt64>
    ) -> EventLoopFuture<Void> {
        guard case .forwardedTCPIP = type else {
            return child.eventLoop.makeFailedFuture(VMHostError.tunnel("the publisher may only use the forward"))
        }
        let (near, far) = ByteRelay.pair(counting: traffic)
        let nearBound = NIOLoopBound(near, eventLoop: child.eventLoop)
        let farBound = NIOLoopBound(far, eventLoop: child.eventLoop)
        return child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
            try child.pipeline.syncOperations.addHandlers([SSHChannelBytes(), nearBound.value])
        }.flatMap {
            ClientBootstrap(group: child.eventLoop)
                .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .connectTimeout(.seconds(10))
                .channelInitializer { guest in
                    guest.eventLoop.makeCompletedFuture { try guest.pipeline.syncOperations.addHandler(farBound.value) }
                }
                .connect(host: "127.0.0.1", port: guestPort)
                .map { _ in () }
        }
    }
}

/// Offers the node's key, once.
final class KeyLogin: NIOSSHClientUserAuthenticationDelegate {
    let username: String
    let key: TunnelKey
    private var offered = false

    init(username: String, key: TunnelKey) {
        self.username = username
        self.key = key
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods,
        nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        guard !offered, availableMethods.contains(.publicKey) else {
            nextChallengePromise.fail(VMHostError.tunnel("the publisher did not accept the node's key"))
            return
        }
        offered = true
        nextChallengePromise.succeed(
            NIOSSHUserAuthenticationOffer(
                username: username,
                serviceName: "",
                offer: .privateKey(.init(privateKey: key.privateKey))
            )
        )
    }
}

/// Trusts one host key: the one the publisher's offer named.
final class PinnedHostKey: NIOSSHClientServerAuthenticationDelegate {
    let expected: NIOSSHPublicKey

    init(expected: NIOSSHPublicKey) { self.expected = expected }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        if hostKey == expected {
            validationCompletePromise.succeed(())
        } else {
            validationCompletePromise.fail(
                VMHostError.tunnel("the publisher's host key is not the one its offer named")
            )
        }
    }
}
