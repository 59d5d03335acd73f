import Chain
import ZenFS

/// Mines throwaway identities on the development network for protocol tests.
enum PeerTestIdentities {
    static func make(network: NetworkParameters = .development) throws -> LocalIdentity {
        let key = try PrivateKey.generate()
        let identity = MinedIdentity.mine(publicKey: key.publicKey, target: network.nodeIdentityTarget)!
        return LocalIdentity(privateKey: key, identity: identity, network: network)
    }

    static let hash = SHA1Digest.of(Array("part".utf8))
    static let queryID = QueryID(bytes: Array(0..<16))!
    static let origin = PeerAddress(host: "127.0.0.1", port: 7001)
}
