/// The constants that make one Zennet network distinct from another: its name and id, and the
/// proof-of-work targets the RFC leaves to the network.
public struct NetworkParameters: Hashable, Sendable {
    /// A human name, such as `development`.
    public let name: String
    /// The identity target a node's key must meet.
    public let nodeIdentityTarget: CompactTarget
    /// The identity target a publisher's key must meet.
    public let publisherIdentityTarget: CompactTarget
    /// The chain's consensus constants.
    public let chain: ChainParameters

    /// SHA-256 of the name: peers on different networks refuse each other in the handshake.
    public var id: Hash256 { Hash256.sha256(Array("zennet:\(name)".utf8)) }

    public init(
        name: String,
        nodeIdentityTarget: CompactTarget,
        publisherIdentityTarget: CompactTarget,
        chain: ChainParameters = .development
    ) {
        self.name = name
        self.nodeIdentityTarget = nodeIdentityTarget
        self.publisherIdentityTarget = publisherIdentityTarget
        self.chain = chain
    }

    public static func == (lhs: NetworkParameters, rhs: NetworkParameters) -> Bool { lhs.name == rhs.name }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// The private network a node runs with no configuration: identities take a few thousand hashes.
    public static let development = NetworkParameters(
        name: "development",
        nodeIdentityTarget: CompactTarget(bits: 0x1f0f_ffff)!,
        publisherIdentityTarget: CompactTarget(bits: 0x1f0f_ffff)!
    )

    /// A shared test network (see `ChainParameters.testnet`); identities cost about a million hashes.
    public static let testnet = NetworkParameters(
        name: "testnet",
        nodeIdentityTarget: CompactTarget(bits: 0x1e0f_ffff)!,
        publisherIdentityTarget: CompactTarget(bits: 0x1e0f_ffff)!,
        chain: .testnet
    )

    /// The regression-test network (see `ChainParameters.regtest`), with easy identity targets.
    public static let regtest = NetworkParameters(
        name: "regtest",
        nodeIdentityTarget: CompactTarget(bits: 0x2000_ffff)!,
        publisherIdentityTarget: CompactTarget(bits: 0x2000_ffff)!,
        chain: .regtest
    )

    /// Every network this code knows.
    public static let known = [development, testnet, regtest]

    /// Looks a network up by name.
    public static func named(_ name: String) -> NetworkParameters? { known.first { $0.name == name } }
}
