import Dispatch
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import ZenFS

/// The node's BitTorrent tracker (HTTP, 127.0.0.1:6969 by default): `/announce` and `/scrape` for every
/// metainfo the node knows, bencoded failures for everything else. Other torrents are refused, so the tracker
/// serves only what its node can serve.
public final class TrackerServer: Sendable {
    private let listen: PeerAddress
    private let group: MultiThreadedEventLoopGroup
    private let knownTorrents: @Sendable () -> Set<SHA1Digest>
    private let logger: Logger
    let swarms = Mutex(TrackerSwarms())
    /// The node's own seeder, listed first in every answer.
    public let ownSeeder = Mutex<(ip: [UInt8], port: UInt16)?>(nil)
    /// The BEP 19 web seed served under `/seed/`, when set.
    public let webSeed = Mutex<WebSeed?>(nil)
    private let channel = Mutex<(any Channel)?>(nil)
    private let known = Mutex<(set: Set<SHA1Digest>, refreshed: Date)>(([], .distantPast))

    /// - Parameter knownTorrents: the info-hashes the node can serve (asked at most once a second).
    public init(
        listen: PeerAddress,
        group: MultiThreadedEventLoopGroup,
        logger: Logger,
        knownTorrents: @escaping @Sendable () -> Set<SHA1Digest>
    ) {
        self.listen = listen
        self.group = group
        self.logger = logger
        self.knownTorrents = knownTorrents
    }

    /// Binds; returns the port.
    @discardableResult
    public func start() async throws -> Int {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(TrackerHTTPHandler(server: self))
                }
            }
        let server = try await bootstrap.bind(host: listen.host, port: Int(listen.port)).get()
        channel.withLock { $0 = server }
        return server.localAddress?.port ?? Int(listen.port)
    }

    public func stop() async {
        if let server = channel.withLock({ $0 }) { try? await server.close() }
    }

    func isKnown(_ hash: SHA1Digest) -> Bool { currentKnown().contains(hash) }

    func currentKnown() -> Set<SHA1Digest> {
        let cached = known.withLock { $0 }
        if Date().timeIntervalSince(cached.refreshed) < 1 { return cached.set }
        let fresh = knownTorrents()
        known.withLock { $0 = (fresh, Date()) }
        return fresh
    }

    /// The bencoded answer to one request.
    func respond(path: String, query: String, ip: [UInt8]) -> [UInt8] {
        let now = Int64(Date().timeIntervalSince1970)
        do {
            switch path {
            case "/announce":
                let announce = try TrackerQuery.announce(query)
                guard isKnown(announce.infoHash) else { throw TrackerError.unknownTorrent }
                let first = ownSeeder.withLock { $0 }.map { [$0] } ?? []
                return swarms.withLock { $0.announce(announce, ip: ip, now: now, firstPeers: first) }
            case "/scrape":
                let hashes = try TrackerQuery.scrape(query)
                let known = Array(currentKnown())
                return swarms.withLock { $0.scrape(hashes, known: known, now: now) }
            default:
                return TrackerSwarms.failure(.missing("/announce or /scrape"))
            }
        } catch let error as TrackerError {
            return TrackerSwarms.failure(error)
        } catch {
            return TrackerSwarms.failure(.malformed("request"))
        }
    }
}

/// One HTTP connection to the tracker.
final class TrackerHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: TrackerServer
    private var head: HTTPRequestHead?

    init(server: TrackerServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let uri = head.uri
            let path = String(uri.prefix { $0 != "?" })
            let query = uri.contains("?") ? String(uri[uri.index(after: uri.firstIndex(of: "?")!)...]) : ""
            if path.hasPrefix("/seed/"), let webSeed = server.webSeed.withLock({ $0 }) {
                let range = head.headers.first(name: "Range")
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                DispatchQueue.global().async {
                    let response = webSeed.respond(path: String(path.dropFirst(6)), range: range)
                    eventLoop.execute {
                        let (handler, context) = bound.value
                        handler.write(
                            status: HTTPResponseStatus(statusCode: response.status),
                            headers: response.headers,
                            body: response.body,
                            head: head,
                            context: context
                        )
                    }
                }
                return
            }
            var ip: [UInt8] = [127, 0, 0, 1]
            if case .v4(let address) = context.channel.remoteAddress {
                let raw = address.address.sin_addr.s_addr
                ip = [UInt8(raw & 0xff), UInt8(raw >> 8 & 0xff), UInt8(raw >> 16 & 0xff), UInt8(raw >> 24 & 0xff)]
            }
            let body = server.respond(path: path, query: query, ip: ip)
            write(status: .ok, headers: [("Content-Type", "text/plain")], body: body, head: head, context: context)
        }
    }

    private func write(
        status: HTTPResponseStatus,
        headers extra: [(String, String)],
        body: [UInt8],
        head: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            // The write completes on the channel's event loop, where the context may be used.
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
