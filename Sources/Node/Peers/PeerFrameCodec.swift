import NIOCore
import ZenFS

/// Splits a TCP stream into peer messages. The five header bytes are judged first, so an oversize, empty or
/// unknown frame fails the connection before any of its payload is buffered.
public struct PeerFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = PeerMessage

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: PeerFrame.headerLength) else {
            return .needMoreData
        }
        switch PeerFrame.checkHeader(header) {
        case .needMoreBytes:
            return .needMoreData
        case .invalid(let error):
            throw error
        case .frame(let type, let payloadLength):
            guard buffer.readableBytes >= PeerFrame.headerLength + payloadLength else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: PeerFrame.headerLength)
            let payload = buffer.readBytes(length: payloadLength)!
            let message = try PeerMessageCodec.decode(type: type, payload: payload)
            context.fireChannelRead(wrapInboundOut(message))
            return .continue
        }
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes peer messages as frames.
public struct PeerFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PeerMessage

    public init() {}

    public func encode(data: PeerMessage, out: inout ByteBuffer) throws {
        out.writeBytes(PeerFrame.encode(data))
    }
}
