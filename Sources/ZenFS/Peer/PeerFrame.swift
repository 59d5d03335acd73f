import Chain

/// The type byte of each peer message.
public enum PeerMessageType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case proof = 0x02
    case ping = 0x03
    case pong = 0x04
    case find = 0x10
    case have = 0x11
    case search = 0x12
    case searchAnswer = 0x13
    case get = 0x20
    case element = 0x21
    case notFound = 0x22
    case chainTip = 0x30
    case getBlocks = 0x31
    case block = 0x32
    case transaction = 0x33
    case market = 0x40
    case storageProof = 0x41

    /// The largest payload a frame of this type may carry; a longer frame is refused before it is read.
    public var maximumPayloadLength: Int {
        switch self {
        case .element: PeerFrame.maximumElementLength + 16
        case .market: PeerFrame.maximumElementLength + 2048
        case .storageProof: PeerFrame.maximumProofLength + 16
        case .searchAnswer: 4 << 20
        case .block: 2 << 20
        case .transaction: 1 << 20
        case .hello, .proof, .ping, .pong, .find, .have, .search, .get, .notFound, .chainTip, .getBlocks: 16 << 10
        }
    }
}

/// Frames of the peer protocol: `u32 length (big-endian) | u8 type | payload`, where the length counts the type
/// byte and the payload.
public enum PeerFrame {
    /// The protocol version this code speaks.
    public static let protocolVersion: UInt16 = 1
    /// Bytes before the payload: the length and the type.
    public static let headerLength = 5
    /// The largest element (part or metainfo) that travels between nodes.
    public static let maximumElementLength = 16 << 20
    /// The largest proof-of-storage message (a checkpoint's answer: leaves and their paths).
    public static let maximumProofLength = 4 << 20
    /// The largest frame of any type, header included.
    public static var maximumFrameLength: Int {
        headerLength + PeerMessageType.allCases.map(\.maximumPayloadLength).max()!
    }

    /// What a frame header announces, checked before the payload is read.
    public enum HeaderCheck: Equatable, Sendable {
        case needMoreBytes
        case frame(type: PeerMessageType, payloadLength: Int)
        case invalid(PeerProtocolError)
    }

    /// Judges the first bytes of a frame: whether its type is known and its length allowed.
    public static func checkHeader(_ header: some Collection<UInt8>) -> HeaderCheck {
        guard header.count >= headerLength else { return .needMoreBytes }
        let bytes = Array(header.prefix(headerLength))
        let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1 else { return .invalid(.emptyFrame) }
        guard let type = PeerMessageType(rawValue: bytes[4]) else { return .invalid(.unknownMessageType(bytes[4])) }
        guard length - 1 <= type.maximumPayloadLength else {
            return .invalid(.frameTooLarge(type: type, length: length - 1, limit: type.maximumPayloadLength))
        }
        return .frame(type: type, payloadLength: length - 1)
    }

    /// The whole frame for `message`.
    public static func encode(_ message: PeerMessage) -> [UInt8] {
        let (type, payload) = PeerMessageCodec.encode(message)
        let length = UInt32(payload.count + 1)
        return [
            UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff),
            type.rawValue,
        ] + payload
    }
}

/// Why a peer's bytes were refused; the connection that sent them is closed.
public enum PeerProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyFrame
    case unknownMessageType(UInt8)
    case frameTooLarge(type: PeerMessageType, length: Int, limit: Int)
    case malformed(type: PeerMessageType, CanonicalDecodingError)
    /// The stream broke in a way the frame decoder reports by itself (a buffer past its limit, say).
    case malformedStream(String)

    public var description: String {
        switch self {
        case .emptyFrame: "a frame of length 0"
        case .unknownMessageType(let type): "unknown message type \(type)"
        case .frameTooLarge(let type, let length, let limit):
            "a \(type) frame of \(length) bytes, over its limit of \(limit)"
        case .malformed(let type, let error): "malformed \(type) message: \(error)"
        case .malformedStream(let detail): "malformed stream: \(detail)"
        }
    }
}
