import NIOCore
import NIOPosix
import NIOSSH

/// The publisher's end of the RFC's tunnel: an SSH server on 127.0.0.1 that a node dials once it has accepted a
/// VM task. Only the node's pinned key may log in, and the only thing it may do is ask for a remote forward
/// (`tcpip-forward`): the server then listens on a loopback port and sends every connection to it back to the
/// node as a `forwarded-tcpip` channel, which the node relays to its VM's SSH port. The publisher then runs
/// `ssh -p PORT root@127.0.0.1`. Sessions and direct forwards are refused.
public final class PublisherTunnelServer: Sendable {
    private let channel: any Channel
    private let forwards: Locked<[Int]>
    /// The port nodes dial.
    public let port: Int
    /// The server's host key as an OpenSSH line, for the node to pin.
    public let hostKey: String

    private init(channel: any Channel, forwards: Locked<[Int]>, port: Int, hostKey: String) {
        self.channel = channel
        self.forwards = forwards
        self.port = port
        self.hostKey = hostKey
    }

    /// Listens on 127.0.0.1:`port` (0 for any free port) with `hostKey`, letting in only `nodeKey`.
    public static func start(
        group: any EventLoopGroup,
        hostKey: TunnelKey,
        nodeKey: NIOSSHPublicKey,
        port: Int = 0
    ) async throws(VMHostError) -> PublisherTunnelServer {
        try await start(group: group, hostKey: hostKey, allowing: { $0 == nodeKey }, port: port)
    }

    /// Listens on 127.0.0.1:`port` with `hostKey`, letting in the node keys `allowing` accepts at the moment they
    /// log in (a publisher adds each node that accepted its task).
    public static func start(
        group: any EventLoopGroup,
        hostKey: TunnelKey,
        allowing: @escaping @Sendable (NIOSSHPublicKey) -> Bool,
        port: Int = 0
    ) async throws(VMHostError) -> PublisherTunnelServer {
        let forwards = Locked<[Int]>([])
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let forwarder = LoopbackForwarder(forwards: forwards)
                    let bound = NIOLoopBound(forwarder, eventLoop: channel.eventLoop)
                    channel.closeFuture.whenComplete { _ in bound.value.stop() }
                    let configuration = SSHServerConfiguration(
                        hostKeys: [hostKey.privateKey],
                        userAuthDelegate: PinnedKeyAuthentication(allowing: allowing),
                        globalRequestDelegate: forwarder
                    )
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOSSHHandler(
                            role: .server(configuration),
                            allocator: channel.allocator,
                            inboundChildChannelInitializer: { child, _ in
                                child.eventLoop.makeFailedFuture(VMHostError.tunnel("only remote forwards are served"))
                            }
                        ),
                        CloseOnError(),
                    ])
                }
            }
        do {
            let channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
            return PublisherTunnelServer(
                channel: channel,
                forwards: forwards,
                port: channel.localAddress?.port ?? port,
                hostKey: hostKey.openSSHPublicKey
            )
        } catch {
            throw .tunnel("cannot listen on 127.0.0.1:\(port): \(error)")
        }
    }

    /// The loopback ports currently forwarded to nodes, in the order they were opened.
    public var forwardedPorts: [Int] { forwards.value }

    /// Stops listening for nodes (forwards already open end with their connections).
    public func close() async {
        try? await channel.close()
    }
}

/// Lets in the public keys a rule accepts, nothing else.
final class PinnedKeyAuthentication: NIOSSHServerUserAuthenticationDelegate {
    let allowing: @Sendable (NIOSSHPublicKey) -> Bool

    init(allowing: @escaping @Sendable (NIOSSHPublicKey) -> Bool) { self.allowing = allowing }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(
        request: NIOSSHUserAuthenticationRequest,
        responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>
    ) {
        guard case .publicKey(let offer) = request.request, allowing(offer.publicKey) else {
            responsePromise.succeed(.failure)
            return
        }
        responsePromise.succeed(.success)
    }
}

/// Answers a node's `tcpip-forward` by listening on a loopback port and opening a `forwarded-tcpip` channel to
/// the node for each connection there. Lives on the SSH connection's event loop; closes its listeners with it.
final class LoopbackForwarder: GlobalRequestDelegate {
    private let forwards: Locked<[Int]>
    private var listeners: [any Channel] = []
    /// Bound on the forwards one node may hold.
    static let maximumForwards = 4

    init(forwards: Locked<[Int]>) { self.forwards = forwards }

    func tcpForwardingRequest(
        _ request: GlobalRequest.TCPForwardingRequest,
        handler: NIOSSHHandler,
        promise: EventLoopPromise<GlobalRequest.TCPForwardingResponse>
    ) {
        guard case .listen(_, let port) = request else {
            promise.fail(VMHostError.tunnel("cancelling forwards is not supported"))
            return
        }
        guard listeners.count < Self.maximumForwards else {
            promise.fail(VMHostError.tunnel("a node may hold at most \(Self.maximumForwards) forwards"))
            return
        }
        let loop = promise.futureResult.eventLoop
        let ssh = NIOLoopBound(handler, eventLoop: loop)
        let this = NIOLoopBound(self, eventLoop: loop)
        let forwards = self.forwards
        // Whatever the node asks for, the port opens on loopback only.
        ServerBootstrap(group: loop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { connection in
                connection.eventLoop.makeCompletedFuture {
                    let (near, far) = ByteRelay.pair()
                    let farBound = NIOLoopBound(far, eventLoop: connection.eventLoop)
                    guard let local = connection.localAddress, let remote = connection.remoteAddress else {
                        throw VMHostError.tunnel("a forwarded connection without addresses")
                    }
                    ssh.value.createChannel(
                        nil,
                        channelType: .forwardedTCPIP(
                            .init(listeningHost: "127.0.0.1", listeningPort: local.port ?? 0, originatorAddress: remote)
                        )
                    ) { child, _ in
                        child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
                            try child.pipeline.syncOperations.addHandlers([SSHChannelBytes(), farBound.value])
                        }
                    }
                    try connection.pipeline.syncOperations.addHandler(near)
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .map { listener in
                this.value.listeners.append(listener)
                let bound = listener.localAddress?.port ?? port
                forwards.withLock { $0.append(bound) }
                return GlobalRequest.TCPForwardingResponse(boundPort: port == 0 ? bound : nil)
            }
            .cascade(to: promise)
    }

    /// Closes every listener (the SSH connection ended).
    func stop() {
        for listener in listeners {
            let port = listener.localAddress?.port
            listener.close(promise: nil)
            if let port { forwards.withLock { $0.removeAll { $0 == port } } }
        }
        listeners = []
    }
}

/// Closes a connection on any error in its pipeline (a failed handshake, a refused login).
final class CloseOnError: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
