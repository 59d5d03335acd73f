/// What the peer network has done since the node started; reported by `zenfs status`.
public struct NetworkCounters: Sendable, Codable, Equatable {
    /// `find` and `search` queries received from peers.
    public var queriesReceived = 0
    /// Of those, the ones dropped because their id was seen within the window.
    public var queriesDuplicate = 0
    /// Queries this node passed on (each counted once, however many peers it went to).
    public var queriesForwarded = 0
    /// Copies of queries sent to peers, this node's own included.
    public var queryMessagesSent = 0
    /// Queries this node started.
    public var queriesOriginated = 0
    /// `have` and search answers this node sent to origins.
    public var answersSent = 0
    /// Elements served to peers, and their bytes.
    public var elementsServed = 0
    public var bytesServed: Int64 = 0
    /// Elements fetched from peers and verified, and their bytes.
    public var elementsFetched = 0
    public var bytesFetched: Int64 = 0
    /// Elements that arrived with bytes not matching their names.
    public var corruptElementsReceived = 0
    /// Peers banned for misbehaving.
    public var peersBanned = 0
    /// Connections closed for protocol violations or floods.
    public var connectionsDropped = 0

    public init() {}
}
