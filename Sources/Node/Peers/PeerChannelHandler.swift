import Chain
import NIOCore
import ZenFS

/// One connection's handler: feeds decoded messages to the pure `PeerConnectionStateMachine`, carries out its
/// actions, enforces the handshake deadline, idle pings and the query rate, and reports to the `PeerNetwork`.
final class PeerChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = PeerMessage
    typealias OutboundOut = PeerMessage

    let id: ConnectionID
    private let network: PeerNetwork
    private let dialedAddress: PeerAddress?
    private var machine: PeerConnectionStateMachine
    private var queryBucket: TokenBucket
    private var handshakeDeadline: Scheduled<Void>?
    private var pingTask: RepeatedTask?
    private var lastHeard = NIODeadline.now()
    private var closed = false

    init(id: ConnectionID, network: PeerNetwork, dialedAddress: PeerAddress?, challenge: [UInt8]) {
        self.id = id
        self.network = network
        self.dialedAddress = dialedAddress
        let settings = network.settings
        self.machine = PeerConnectionStateMachine(
            local: network.local,
            challenge: challenge,
            listenAddress: settings.advertised,
            agent: settings.agent
        )
        self.queryBucket = TokenBucket(burst: settings.queryBurst, ratePerSecond: settings.queriesPerSecond)
    }

    func channelActive(context: ChannelHandlerContext) {
        let settings = network.settings
        // Both tasks run on the channel's event loop, where the handler and its context may be used.
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        handshakeDeadline = context.eventLoop.scheduleTask(in: settings.handshakeTimeout) {
            let (handler, context) = loopBound.value
            handler.perform(handler.machine.fail(.handshakeTimeout), context: context)
        }
        let interval = TimeAmount.nanoseconds(max(settings.idleTimeout.nanoseconds / 3, 1_000_000))
        pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = loopBound.value
            if NIODeadline.now() - handler.lastHeard > settings.idleTimeout {
                handler.perform(handler.machine.fail(.idleTimeout), context: context)
            } else if handler.machine.isEstablished {
                let ping = handler.wrapOutboundOut(.ping(UInt64.random(in: 0...UInt64.max)))
                context.writeAndFlush(ping, promise: nil)
            }
        }
        perform(machine.start(), context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastHeard = .now()
        let message = unwrapInboundIn(data)
        switch message {
        case .find, .search:
            if !queryBucket.take(now: UInt64(NIODeadline.now().uptimeNanoseconds)) {
                perform(machine.fail(.banned("more queries than the rate allows")), context: context)
                return
            }
        default: break
        }
        perform(machine.receive(message), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: ConnectionError
        if let error = error as? PeerProtocolError {
            reason = .protocolViolation(error)
        } else if let error = error as? ByteToMessageDecoderError {
            reason = .protocolViolation(.malformedStream(String(describing: error)))
        } else {
            network.logger.debug("connection \(id): \(error)")
            closeOnce(context: context, reason: nil)
            return
        }
        perform(machine.fail(reason), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        pingTask?.cancel()
        network.connectionClosed(id, dialedAddress: dialedAddress)
        context.fireChannelInactive()
    }

    private func perform(_ actions: [PeerConnectionStateMachine.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let message):
                context.writeAndFlush(wrapOutboundOut(message), promise: nil)
            case .established(let remote):
                handshakeDeadline?.cancel()
                let kept = network.connectionEstablished(
                    id,
                    remote: remote,
                    channel: context.channel,
                    dialedAddress: dialedAddress
                )
                if !kept { closeOnce(context: context, reason: nil) }
            case .deliver(let message):
                network.received(message, from: id)
            case .close(let reason):
                closeOnce(context: context, reason: reason)
            }
        }
    }

    private func closeOnce(context: ChannelHandlerContext, reason: ConnectionError?) {
        guard !closed else { return }
        closed = true
        if let reason { network.connectionFailed(id, reason: reason) }
        context.close(promise: nil)
    }
}
