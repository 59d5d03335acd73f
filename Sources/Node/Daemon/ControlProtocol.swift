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
    public let uptimeSeconds: Double
}

/// The node's answer to one request.
public struct ControlResponse: Codable, Sendable {
    public var error: String?
    public var status: NodeStatus?
    public var fetchedParts: Int?
    public var results: [SearchResult]?

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
