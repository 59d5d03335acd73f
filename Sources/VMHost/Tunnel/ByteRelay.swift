import NIOCore

/// One end of a two-channel relay: what one channel reads, the other writes, with back-pressure (a side reads
/// only while its partner can write), half-closure passed on, and a close of either side closing both. Both
/// channels must share one event loop; `pair()` makes the two ends. Bytes read on either end are added to the
/// counter given, when there is one (the tunnel's traffic, for metering).
final class ByteRelay: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: ByteRelay?
    private var context: ChannelHandlerContext?
    private var readPending = false
    private let counter: Locked<UInt64>?

    private init(counter: Locked<UInt64>?) { self.counter = counter }

    static func pair(counting counter: Locked<UInt64>? = nil) -> (ByteRelay, ByteRelay) {
        let (first, second) = (ByteRelay(counter: counter), ByteRelay(counter: counter))
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        counter?.withLock { $0 += UInt64(bytes.readableBytes) }
        partner?.context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.context?.flush() }

    func channelInactive(context: ChannelHandlerContext) { partner?.context?.close(promise: nil) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            partner?.context?.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { partner?.context?.close(promise: nil) }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func read(context: ChannelHandlerContext) {
        if partner?.context?.channel.isWritable == true {
            context.read()
        } else {
            readPending = true
        }
    }

    private func partnerBecameWritable() {
        guard readPending else { return }
        readPending = false
        context?.read()
    }
}
