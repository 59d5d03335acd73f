import Chain
import Logging
import Market
import ZenFS

/// The market's use of the peer network: sends market messages, and tells which identity is behind a
/// connection.
struct MarketLink: Sendable {
    let network: PeerNetwork
    let logger: Logger

    func send(_ message: MarketMessage, to id: ConnectionID) {
        network.send(.market(MarketMessageCodec.encode(message)), to: id)
    }

    func identityKey(of id: ConnectionID) -> PublicKey? { network.remoteIdentity(of: id)?.publicKey }

    /// Logs a peer's misbehaviour (a forged or replayed state, a malformed message) against it.
    func complain(about id: ConnectionID, _ what: String) {
        logger.warning("market peer \(identityKey(of: id)?.description.prefix(16) ?? "?"): \(what)")
    }
}
