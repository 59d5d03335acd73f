import Foundation
import ZenFS

/// A request from a `zenfs` command to the running node, one JSON object per line on `node.sock`.
public enum ControlRequest: Codable, Sendable {
    case status
    /// Fetches one element (a part by hash, a metainfo by info-hash) into the store if it is not there.
    case fetchElement(kind: String, hash: String, content: String?)
    /// Fetches a whole file or folder by info-hash.
    case fetchContent(infoHash: String)
    /// Floods a search and collects answers for `waitMilliseconds`.
    case search(tags: [String], fields: [String: String], wantsMetainfo: Bool, waitMilliseconds: Int)
    case chainStatus
    /// Main-chain blocks from `start` (default: the newest `count`).
    case chainBlocks(start: Int?, count: Int)
    case chainTransaction(id: String)
    /// Unspent outputs paying these addresses.
    case unspent(addresses: [String])
    /// A signed transaction (hexadecimal canonical bytes) for the memory pool and the network.
    case submitTransaction(hex: String)
    /// Main-chain transactions that paid or spent these addresses.
    case history(addresses: [String])
    /// Dials a peer now.
    case connect(address: String)
    /// Starts or resumes spreading content over hired holders.
    case upload(UploadOrder)
    /// How far the upload of an info-hash got.
    case uploadProgress(infoHash: String)
    /// Every storage contract, on both sides.
    case contracts
    /// The owner's checkpoint accounts, one per holder of content under proof of storage.
    case proofs
    /// Repairs now the content under checkpoints (all of it, or one info-hash); answers parts short per content.
    case repair(infoHash: String?)
    /// Development network only: pays `amount` ZEN (up to 8 decimals) from the premine to `address`; answers
    /// with the transaction.
    case faucet(amount: String, address: String)
    /// Checks that the unspent outputs hold exactly the premine and every block subsidy.
    case chainAudit
    /// A `zenfs task` or `zenfs vm` request (the VM market).
    case compute(ComputeRequest)
}

/// The chain as `zenfs chain status` shows it.
public struct ChainStatusInfo: Codable, Sendable {
    public let network: String
    public let height: Int
    public let tip: String
    public let work: String
    public let mempool: Int
    public let storedBytes: Int
    public let blocksMined: Int
    public let liveAnnouncements: Int
    public let coins: String
}

/// One block as `zenfs chain blocks` lists it.
public struct BlockSummary: Codable, Sendable {
    public let height: Int
    public let hash: String
    public let time: UInt64
    public let algorithm: String
    public let bits: String
    public let transactions: Int
    public let size: Int
}

/// One output of a transaction.
public struct OutputInfo: Codable, Sendable {
    public let amount: String
    public let address: String?
    public let channel: Bool
}

/// One transaction as `zenfs chain tx` shows it.
public struct TransactionInfo: Codable, Sendable {
    public let id: String
    /// Nil while it waits in the memory pool.
    public let height: Int?
    public let kind: String
    public let inputs: Int
    public let outputs: [OutputInfo]
}

/// A spendable output.
public struct CoinInfo: Codable, Sendable {
    public let transaction: String
    public let index: UInt32
    public let units: Int64
    public let address: String
    public let height: UInt32
    public let mature: Bool
}

/// A change to an address's balance.
public struct HistoryEntry: Codable, Sendable {
    public let height: Int
    public let transaction: String
    public let units: Int64
}

/// One metainfo found by a search, with the node that holds it.
public struct SearchResult: Codable, Sendable, Equatable {
    public let infoHash: String
    public let name: String
    public let holder: String
    /// Base64 of the metainfo, when asked for.
    public let metainfo: String?
}

/// What `zenfs status` shows.
public struct NodeStatus: Codable, Sendable {
    public let network: String
    public let identity: String
    public let listen: String
    public let peers: [PeerSummary]
    public let storedBytes: Int64
    public let metainfoCount: Int
    public let transfersInFlight: Int
    public let counters: NetworkCounters
    /// The announce URL of the node's tracker, when it runs.
    public let tracker: String?
    /// The libtorrent session seeding the node's content, when it runs.
    public let seeding: SeedingStatus?
    public let uptimeSeconds: Double
    /// What the market earned and spent.
    public var market: MarketTotals? = nil
    /// What the VM market earned and spent.
    public var vms: VMTotals? = nil
}

/// A request the quota refused, with the numbers of `StoreError.quotaExceeded`.
public struct QuotaRefusal: Codable, Equatable, Sendable {
    public let needed: Int64
    public let available: Int64
    public let quota: Int64

    /// The refusal as the store reports it.
    public var storeError: StoreError { .quotaExceeded(needed: needed, available: available, quota: quota) }
}

/// The ledger's coin count against what the rules created: the unspent outputs (channel outputs included) must
/// sum to the premine plus the subsidy of every main-chain block after the genesis, to the unit. Fees move coins
/// to miners and create none.
public struct ChainAudit: Codable, Sendable, Equatable {
    public let unspentUnits: Int64
    public let premineUnits: Int64
    public let subsidyUnits: Int64
    public let height: Int
    /// `unspentUnits - premineUnits - subsidyUnits`: above zero when coins appeared, below when some vanished.
    public let differenceUnits: Int64
    public let holds: Bool

    public init(unspentUnits: Int64, premineUnits: Int64, subsidyUnits: Int64, height: Int) {
        self.unspentUnits = unspentUnits
        self.premineUnits = premineUnits
        self.subsidyUnits = subsidyUnits
        self.height = height
        differenceUnits = unspentUnits - premineUnits - subsidyUnits
        holds = differenceUnits == 0
    }
}

/// The node's answer to one request.
public struct ControlResponse: Codable, Sendable {
    public var error: String?
    /// Set with `error` when the quota refused the request.
    public var quotaRefusal: QuotaRefusal?
    public var status: NodeStatus?
    public var fetchedParts: Int?
    public var results: [SearchResult]?
    public var chain: ChainStatusInfo?
    public var blocks: [BlockSummary]?
    public var transaction: TransactionInfo?
    public var coins: [CoinInfo]?
    public var history: [HistoryEntry]?
    public var upload: UploadProgress?
    public var contracts: [ContractInfo]?
    public var proofs: ProofReport?
    public var shortParts: [String: Int]?
    public var audit: ChainAudit?
    public var compute: ComputeResponse?

    public init(
        error: String? = nil,
        status: NodeStatus? = nil,
        fetchedParts: Int? = nil,
        results: [SearchResult]? = nil
    ) {
        self.error = error
        self.status = status
        self.fetchedParts = fetchedParts
        self.results = results
    }
}

extension ElementKind {
    /// The name used by the control protocol.
    public var name: String { self == .part ? "part" : "metainfo" }

    public init?(name: String) {
        switch name {
        case "part": self = .part
        case "metainfo": self = .metainfo
        default: return nil
        }
    }
}
