import Chain

/// What an element request or discovery query names: a part by the SHA1 of its bytes, or a metainfo by its
/// info-hash.
public enum ElementKind: UInt8, Sendable, Hashable, CaseIterable {
    case part = 0
    case metainfo = 1
}

/// A 16-byte random id chosen by a query's origin; nodes remember it to forward each query once.
public struct QueryID: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 16
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    public var description: String { Hex.encode(bytes) }
}

/// The opening message of each side of a connection.
public struct Hello: Sendable, Equatable {
    public var protocolVersion: UInt16
    public var networkID: Hash256
    public var identity: MinedIdentity
    /// Random bytes the other side must sign to prove it holds the identity's key.
    public var challenge: [UInt8]
    /// Where the sender accepts connections, if it does.
    public var listenAddress: PeerAddress?
    /// Free text naming the software, for logs.
    public var agent: String

    public init(
        protocolVersion: UInt16,
        networkID: Hash256,
        identity: MinedIdentity,
        challenge: [UInt8],
        listenAddress: PeerAddress?,
        agent: String
    ) {
        self.protocolVersion = protocolVersion
        self.networkID = networkID
        self.identity = identity
        self.challenge = challenge
        self.listenAddress = listenAddress
        self.agent = agent
    }
}

/// A flooded request for holders of one element.
public struct FindQuery: Sendable, Equatable {
    public var id: QueryID
    /// Where holders send their `have` answers.
    public var origin: PeerAddress
    /// How many more times the query may be passed on.
    public var hopLimit: UInt8
    public var kind: ElementKind
    public var hash: SHA1Digest

    public init(id: QueryID, origin: PeerAddress, hopLimit: UInt8, kind: ElementKind, hash: SHA1Digest) {
        self.id = id
        self.origin = origin
        self.hopLimit = hopLimit
        self.kind = kind
        self.hash = hash
    }
}

/// A holder's answer to a `find`, sent straight to the origin.
public struct HaveAnswer: Sendable, Equatable {
    public var queryID: QueryID
    public var kind: ElementKind
    public var hash: SHA1Digest
    public var holder: PeerAddress

    public init(queryID: QueryID, kind: ElementKind, hash: SHA1Digest, holder: PeerAddress) {
        self.queryID = queryID
        self.kind = kind
        self.hash = hash
        self.holder = holder
    }
}

/// A flooded search of metainfo by tags and fields.
public struct SearchQuery: Sendable, Equatable {
    public var id: QueryID
    public var origin: PeerAddress
    public var hopLimit: UInt8
    /// Every tag must be present.
    public var tags: [String]
    /// Every field must have exactly this value.
    public var fields: [String: String]
    /// Whether answers carry whole metainfo files, or only info-hashes and names.
    public var wantsMetainfo: Bool

    public init(
        id: QueryID,
        origin: PeerAddress,
        hopLimit: UInt8,
        tags: [String],
        fields: [String: String],
        wantsMetainfo: Bool
    ) {
        self.id = id
        self.origin = origin
        self.hopLimit = hopLimit
        self.tags = tags
        self.fields = fields
        self.wantsMetainfo = wantsMetainfo
    }
}

/// One metainfo a holder found for a search.
public struct SearchHit: Sendable, Equatable {
    public var infoHash: SHA1Digest
    public var name: String
    /// The metainfo's bytes, when the query asked for them.
    public var metainfo: [UInt8]?

    public init(infoHash: SHA1Digest, name: String, metainfo: [UInt8]?) {
        self.infoHash = infoHash
        self.name = name
        self.metainfo = metainfo
    }
}

/// A holder's answer to a search, sent straight to the origin.
public struct SearchAnswer: Sendable, Equatable {
    public var queryID: QueryID
    public var holder: PeerAddress
    public var hits: [SearchHit]

    public init(queryID: QueryID, holder: PeerAddress, hits: [SearchHit]) {
        self.queryID = queryID
        self.holder = holder
        self.hits = hits
    }
}

/// A request for one element's bytes.
public struct ElementRequest: Sendable, Equatable {
    public var requestID: UInt32
    public var kind: ElementKind
    public var hash: SHA1Digest

    public init(requestID: UInt32, kind: ElementKind, hash: SHA1Digest) {
        self.requestID = requestID
        self.kind = kind
        self.hash = hash
    }
}

/// Every message of the node-to-node protocol, version 1.
public enum PeerMessage: Sendable, Equatable {
    case hello(Hello)
    /// A signature over the other side's challenge (see `HandshakeTranscript`).
    case proof(Signature)
    case ping(UInt64)
    case pong(UInt64)
    case find(FindQuery)
    case have(HaveAnswer)
    case search(SearchQuery)
    case searchAnswer(SearchAnswer)
    case get(ElementRequest)
    case element(requestID: UInt32, bytes: [UInt8])
    case notFound(requestID: UInt32)
    /// The sender's best chain tip (sent on connect and whenever it changes).
    case chainTip(height: UInt32, hash: Hash256)
    /// Asks for the blocks after the first locator hash the receiver knows (hashes from the tip backwards,
    /// spaced exponentially).
    case getBlocks(locator: [Hash256])
    /// One block, canonically encoded.
    case block([UInt8])
    /// One transaction, canonically encoded.
    case transaction([UInt8])
    /// A storage-market message between a publisher and a holder of its circuit (its own encoding, see the
    /// Market module's codec).
    case market([UInt8])
    /// A proof-of-storage message between an owner and a holder of its parts: a checkpoint or its answer (its
    /// own encoding, see the Market module's `ProofMessageCodec`).
    case storageProof([UInt8])
}
