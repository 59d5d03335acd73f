import NIOCore
import NIOEmbedded
import Node
import Testing
import ZenFS

struct PeerFrameCodecTests {
    static let hash = SHA1Digest.of(Array("x".utf8))
    static let messages: [PeerMessage] = [
        .ping(1),
        .find(
            FindQuery(
                id: QueryID(bytes: Array(0..<16))!,
                origin: PeerAddress(host: "127.0.0.1", port: 9),
                hopLimit: 4,
                kind: .part,
                hash: hash
            )
        ),
        .element(requestID: 5, bytes: (0..<3000).map { UInt8(truncatingIfNeeded: $0) }),
        .notFound(requestID: 6),
    ]

    /// Frames fed one byte at a time come out as the same messages, in order, and nothing more.
    @Test func decodesByteAtATime() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        for byte in Self.messages.flatMap(PeerFrame.encode) {
            try channel.writeInbound(channel.allocator.buffer(bytes: [byte]))
        }
        for message in Self.messages { #expect(try channel.readInbound(as: PeerMessage.self) == message) }
        #expect(try channel.readInbound(as: PeerMessage.self) == nil)
        _ = try channel.finish()
    }

    /// Many frames in one read decode too.
    @Test func decodesManyFramesAtOnce() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        try channel.writeInbound(channel.allocator.buffer(bytes: Self.messages.flatMap(PeerFrame.encode)))
        for message in Self.messages { #expect(try channel.readInbound(as: PeerMessage.self) == message) }
        _ = try channel.finish()
    }

    /// A header announcing a 4 GiB element fails as soon as its five bytes arrive: nothing waits for (or
    /// allocates) the payload. Unknown types and garbage fail the same way.
    @Test func refusesBadHeadersBeforeThePayload() throws {
        let oversize = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        #expect(throws: PeerProtocolError.self) {
            try oversize.writeInbound(oversize.allocator.buffer(bytes: [0xff, 0xff, 0xff, 0xff, 0x21]))
        }
        let garbage = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        #expect(throws: PeerProtocolError.unknownMessageType(0x2f)) {
            try garbage.writeInbound(garbage.allocator.buffer(bytes: Array("GET / HTTP/1.1\r\n".utf8)))
        }
        let malformed = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        #expect(throws: PeerProtocolError.self) {
            try malformed.writeInbound(malformed.allocator.buffer(bytes: [0, 0, 0, 3, 0x03, 1, 2]))
        }
    }

    /// The encoder writes exactly the frame `PeerFrame.encode` defines.
    @Test func encoderWritesFrames() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(PeerFrameEncoder()))
        for message in Self.messages {
            try channel.writeOutbound(message)
            var buffer = try #require(try channel.readOutbound(as: ByteBuffer.self))
            #expect(buffer.readBytes(length: buffer.readableBytes) == PeerFrame.encode(message))
        }
        _ = try channel.finish()
    }
}
