import Chain

/// Why an upload could not go on, in words the publisher can act on.
public enum PublisherError: Error, CustomStringConvertible {
    case unknownContent(String)
    case walletTooSmall(available: Amount, needed: Amount)
    case budgetTooSmall(budget: Amount, needed: Amount)
    case noAcceptances(task: String, waited: Int64)
    case cannotAnnounce(String)
    case alreadyRunning(String)

    public var description: String {
        switch self {
        case .unknownContent(let hash): "no metainfo \(hash) on this node: add the content first (zenfs add PATH)"
        case .walletTooSmall(let available, let needed):
            "the wallet holds \(available) ZEN spendable but the upload may cost up to \(needed) ZEN at the maximum prices (fees included): fund it (zenfs wallet faucet on the development network) or lower --replicas, --duration or the prices"
        case .budgetTooSmall(let budget, let needed):
            "the holders' prices need \(needed) ZEN for the whole lease (fees included) but --budget is \(budget) ZEN: raise the budget or lower --replicas or --duration"
        case .noAcceptances(let task, let waited):
            "no node accepted task \(task.prefix(16)) within \(waited) s: raise the maximum prices, or check that selling nodes are connected"
        case .cannotAnnounce(let reason): "cannot announce the task offer: \(reason)"
        case .alreadyRunning(let hash): "an upload of \(hash) is already running on this node"
        }
    }
}
