import Dispatch
import NIOCore
import NIOHTTP1

/// Sends one web-seed answer on an HTTP connection. A streamed body goes out chunk by chunk: the next chunk is
/// read (off the event loop) while the current one is written, and no further chunk is read before the socket
/// has taken the current one, so a response holds at most two chunks however slow its client. The gate's place
/// is given back once, when the response ends or the connection fails. Runs on the connection's event loop.
final class WebSeedStream {
    private let context: ChannelHandlerContext
    private let request: HTTPRequestHead
    private let gate: WebSeedGate
    private var finished = false

    init(context: ChannelHandlerContext, request: HTTPRequestHead, gate: WebSeedGate) {
        self.context = context
        self.request = request
        self.gate = gate
    }

    /// Answers `path` with `seed`: the answer is worked out and the first chunk read off the event loop, then
    /// everything is sent from it. Call on the event loop, holding a place of the gate.
    static func serve(
        _ seed: WebSeed,
        path: String,
        request: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        let stream = WebSeedStream(context: context, request: request, gate: seed.gate)
        let bound = NIOLoopBound(stream, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let allocator = context.channel.allocator
        let range = request.headers.first(name: "Range")
        let sendsBody = request.method != .HEAD
        DispatchQueue.global().async {
            let answer = seed.answer(path: path, range: range)
            switch answer {
            case .complete(let response):
                eventLoop.execute { bound.value.sendComplete(response, sendsBody: sendsBody) }
            case .stream(let status, let headers, let body):
                let first = sendsBody ? Self.read(body, at: 0, allocator: allocator) : nil
                eventLoop.execute {
                    let stream = bound.value
                    if sendsBody && first == nil {
                        stream.sendComplete(WebSeed.text(503, "a part of this file is not available"), sendsBody: true)
                        return
                    }
                    stream.sendHead(status: status, headers: headers, length: Int(body.length))
                    if let first {
                        stream.send(first, at: 0, of: body)
                    } else {
                        stream.end()
                    }
                }
            }
        }
    }

    /// A whole answer held in memory.
    func sendComplete(_ response: WebSeed.Response, sendsBody: Bool) {
        sendHead(status: response.status, headers: response.headers, length: response.body.count)
        if sendsBody && !response.body.isEmpty {
            context.write(
                NIOAny(
                    HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))
                ),
                promise: nil
            )
        }
        end()
    }

    /// Refuses a request when every place of the gate is taken (no place is held, none is given back).
    static func refuseBusy(request: HTTPRequestHead, context: ChannelHandlerContext, limit: Int) {
        let body = Array("the web seed is serving \(limit) responses already; retry shortly\n".utf8)
        var headers = HTTPHeaders([("Content-Type", "text/plain"), ("Retry-After", "1")])
        headers.add(name: "Content-Length", value: String(body.count))
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: .serviceUnavailable, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(
            NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))),
            promise: nil
        )
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !request.isKeepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func sendHead(status: Int, headers extra: [(String, String)], length: Int) {
        var headers = HTTPHeaders()
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(length))
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: request.version,
            status: HTTPResponseStatus(statusCode: status),
            headers: headers
        )
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
    }

    /// Writes `chunk` (the body's bytes from `offset` on) and, meanwhile, reads the next one.
    private func send(_ chunk: ByteBuffer, at offset: Int64, of body: WebSeedBody) {
        let next = offset + Int64(chunk.readableBytes)
        let written = context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(chunk))))
        guard next < body.length else {
            written.assumeIsolated().whenComplete { [self] result in
                if case .success = result { end() } else { abort() }
            }
            return
        }
        let promise = context.eventLoop.makePromise(of: ByteBuffer?.self)
        let allocator = context.channel.allocator
        DispatchQueue.global().async { promise.succeed(Self.read(body, at: next, allocator: allocator)) }
        written.and(promise.futureResult).assumeIsolated().whenComplete { [self] result in
            if case .success((_, let following?)) = result {
                send(following, at: next, of: body)
            } else {
                abort()
            }
        }
    }

    /// Ends the response (and the connection, unless kept alive), giving the gate's place back.
    private func end() {
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        let keepAlive = request.isKeepAlive
        let context = self.context
        done.assumeIsolated().whenComplete { _ in if !keepAlive { context.close(promise: nil) } }
        finish()
    }

    /// A part could not be read, or the client went away, after the head was sent: the connection is closed, so
    /// the client sees a body shorter than its `Content-Length` rather than wrong bytes.
    private func abort() {
        context.close(promise: nil)
        finish()
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        gate.leave()
    }

    /// The chunk of `body` at `offset`, or nil when a part cannot be had. Blocks.
    private static func read(_ body: WebSeedBody, at offset: Int64, allocator: ByteBufferAllocator) -> ByteBuffer? {
        let count = body.chunkLength(at: offset)
        var buffer = allocator.buffer(capacity: count)
        var ok = false
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            ok = body.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]))
            return ok ? count : 0
        }
        return ok ? buffer : nil
    }
}
