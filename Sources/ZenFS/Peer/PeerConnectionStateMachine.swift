import Chain

/// Why a connection to a peer ended.
public enum ConnectionError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedVersion(UInt16)
    case wrongNetwork
    case insufficientIdentityWork
    case connectedToSelf
    case badProof
    case shortChallenge
    case unexpectedMessage(PeerMessageType)
    case protocolViolation(PeerProtocolError)
    case handshakeTimeout
    case idleTimeout
    case banned(String)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version): "the peer speaks protocol version \(version), which this node does not"
        case .wrongNetwork: "the peer belongs to another network"
        case .insufficientIdentityWork: "the peer's identity does not meet the identity target"
        case .connectedToSelf: "connected to itself"
        case .badProof: "the peer's signature over our challenge is wrong"
        case .shortChallenge: "the peer's challenge is shorter than 16 bytes"
        case .unexpectedMessage(let type): "unexpected \(type) message"
        case .protocolViolation(let error): "protocol violation: \(error)"
        case .handshakeTimeout: "the handshake did not finish in time"
        case .idleTimeout: "the peer stopped answering"
        case .banned(let reason): "banned: \(reason)"
        }
    }
}

/// What the other side of an established connection proved about itself.
public struct RemotePeer: Sendable, Equatable {
    public let identity: MinedIdentity
    public let listenAddress: PeerAddress?
    public let agent: String
}

/// The life of one connection, free of I/O: the mutual handshake (hello, then a proof signed over the other
/// side's challenge), then ping/pong and delivery of every other message. The network handler feeds it
/// messages and carries out the actions it returns.
public struct PeerConnectionStateMachine {
    /// What the handler must do.
    public enum Action: Equatable, Sendable {
        case send(PeerMessage)
        case established(RemotePeer)
        case deliver(PeerMessage)
        case close(ConnectionError)
    }

    enum State {
        case idle
        case awaitingHello
        case awaitingProof(Hello)
        case established(RemotePeer)
        case closed
    }

    private let local: LocalIdentity
    private let challenge: [UInt8]
    private let listenAddress: PeerAddress?
    private let agent: String
    private let requiredTarget: CompactTarget
    private var state = State.idle

    /// - Parameters:
    ///   - challenge: fresh random bytes (at least 16) for the peer to sign.
    ///   - requiredTarget: the identity target peers must meet; the network's unless this node demands more.
    public init(
        local: LocalIdentity,
        challenge: [UInt8],
        listenAddress: PeerAddress?,
        agent: String,
        requiredTarget: CompactTarget? = nil
    ) {
        self.local = local
        self.challenge = challenge
        self.listenAddress = listenAddress
        self.agent = agent
        self.requiredTarget = requiredTarget ?? local.network.nodeIdentityTarget
    }

    /// True once both sides have proved their identities.
    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// The first message to send when the connection opens.
    public mutating func start() -> [Action] {
        state = .awaitingHello
        let hello = Hello(
            protocolVersion: PeerFrame.protocolVersion,
            networkID: local.network.id,
            identity: local.identity,
            challenge: challenge,
            listenAddress: listenAddress,
            agent: agent
        )
        return [.send(.hello(hello))]
    }

    /// Handles one decoded message from the peer.
    public mutating func receive(_ message: PeerMessage) -> [Action] {
        switch (state, message) {
        case (.awaitingHello, .hello(let hello)):
            if let error = check(hello) { return close(error) }
            let transcript = HandshakeTranscript.message(
                network: local.network.id,
                challenge: hello.challenge,
                signer: local.identity.publicKey
            )
            guard let proof = try? local.privateKey.sign(transcript) else { return close(.badProof) }
            state = .awaitingProof(hello)
            return [.send(.proof(proof))]
        case (.awaitingProof(let hello), .proof(let signature)):
            let transcript = HandshakeTranscript.message(
                network: local.network.id,
                challenge: challenge,
                signer: hello.identity.publicKey
            )
            guard hello.identity.publicKey.verifies(signature, for: transcript) else { return close(.badProof) }
            let peer = RemotePeer(identity: hello.identity, listenAddress: hello.listenAddress, agent: hello.agent)
            state = .established(peer)
            return [.established(peer)]
        case (.established, .ping(let nonce)):
            return [.send(.pong(nonce))]
        case (.established, .hello), (.established, .proof):
            return close(.unexpectedMessage(Self.type(of: message)))
        case (.established, _):
            return [.deliver(message)]
        case (.closed, _):
            return []
        default:
            return close(.unexpectedMessage(Self.type(of: message)))
        }
    }

    /// Ends the connection for a reason found outside the machine (a timeout, a bad frame, a ban).
    public mutating func fail(_ error: ConnectionError) -> [Action] { close(error) }

    private func check(_ hello: Hello) -> ConnectionError? {
        if hello.protocolVersion != PeerFrame.protocolVersion { return .unsupportedVersion(hello.protocolVersion) }
        if hello.networkID != local.network.id { return .wrongNetwork }
        if hello.challenge.count < 16 { return .shortChallenge }
        if hello.identity.publicKey == local.identity.publicKey { return .connectedToSelf }
        if !hello.identity.meets(requiredTarget) { return .insufficientIdentityWork }
        return nil
    }

    private mutating func close(_ error: ConnectionError) -> [Action] {
        if case .closed = state { return [] }
        state = .closed
        return [.close(error)]
    }

    static func type(of message: PeerMessage) -> PeerMessageType { PeerMessageCodec.encode(message).0 }
}
