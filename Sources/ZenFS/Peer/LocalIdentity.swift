import Chain

/// This node's mined identity, its private key and the network it belongs to.
public struct LocalIdentity: Sendable {
    public let privateKey: PrivateKey
    public let identity: MinedIdentity
    public let network: NetworkParameters

    public init(privateKey: PrivateKey, identity: MinedIdentity, network: NetworkParameters) {
        self.privateKey = privateKey
        self.identity = identity
        self.network = network
    }
}

/// The bytes a handshake proof signs: a fixed label, the network id, the challenge the other side sent and
/// the signer's own key, so a proof cannot be replayed to another network, connection or identity.
public enum HandshakeTranscript {
    public static func message(network: Hash256, challenge: [UInt8], signer: PublicKey) -> [UInt8] {
        Array("zennet handshake v1".utf8) + network.bytes + challenge + signer.bytes
    }
}
