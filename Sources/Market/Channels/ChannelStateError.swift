import Chain

/// Why a payee refused a channel state, kept in the log against the peer that sent it.
public enum ChannelStateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The signature is not the payer's over this channel and amount.
    case forged
    /// The same amount again: an old state sent a second time.
    case replayed(Amount)
    /// Less than a state already accepted.
    case lowered(Amount, latest: Amount)
    /// More than the channel holds.
    case overFunded(Amount, funding: Amount)
    /// A state for a channel this contract does not use.
    case unknownChannel

    public var description: String {
        switch self {
        case .forged: "the channel state's signature is not the payer's"
        case .replayed(let amount): "a channel state of \(amount) ZEN was already accepted (replay)"
        case .lowered(let amount, let latest):
            "the channel state pays \(amount) ZEN, less than the \(latest) already signed"
        case .overFunded(let amount, let funding):
            "the channel state pays \(amount) ZEN, more than the \(funding) the channel holds"
        case .unknownChannel: "the channel state names a channel this contract does not use"
        }
    }
}
