import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Serves the control socket (`node.sock`, mode 0600): reads one JSON request per line and answers each
/// with one JSON line, in order.
final class ControlServer: Sendable {
    private let path: String
    private let group: MultiThreadedEventLoopGroup
    private let handle: @Sendable (ControlRequest) async -> ControlResponse
    private let channel = Mutex<(any Channel)?>(nil)

    init(
        path: String,
        group: MultiThreadedEventLoopGroup,
        handle: @escaping @Sendable (ControlRequest) async -> ControlResponse
    ) {
        self.path = path
        self.group = group
        self.handle = handle
    }

    func start() async throws {
        unlink(path)
        let previous = umask(0o177)
        defer { umask(previous) }
        let bootstrap = ServerBootstrap(group: group)
            .childChannelInitializer { [handle] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(LineDecoder()), ControlConnectionHandler(handle: handle),
                    ])
                }
            }
        let server = try await bootstrap.bind(unixDomainSocketPath: path).get()
        chmod(path, 0o600)
        channel.withLock { $0 = server }
    }

    func stop() async {
        if let server = channel.withLock({ $0 }) { try? await server.close() }
        unlink(path)
    }
}

/// Splits the control stream at newlines; a line over 1 MiB closes the connection.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    static let maximumLine = 1 << 20

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: 0x0a) else {
            if buffer.readableBytes > Self.maximumLine { throw ControlError.badResponse("request line too long") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

/// Answers each request line of one control connection.
final class ControlConnectionHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let handle: @Sendable (ControlRequest) async -> ControlResponse

    init(handle: @escaping @Sendable (ControlRequest) async -> ControlResponse) { self.handle = handle }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        let channel = context.channel
        let handle = self.handle
        Task {
            let response: ControlResponse
            if let request = try? JSONDecoder().decode(ControlRequest.self, from: Data(line.readableBytesView)) {
                response = await handle(request)
            } else {
                response = ControlResponse(error: "unreadable request")
            }
            var bytes = (try? JSONEncoder().encode(response)) ?? Data("{\"error\":\"cannot encode\"}".utf8)
            bytes.append(0x0a)
            try? await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
