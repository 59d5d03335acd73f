import Market

/// Why proof of storage refused an upload's settings, or a holder could not answer a checkpoint (the holder
/// sends the description as its `unable` answer).
enum ProofError: Error, CustomStringConvertible {
    case badInterval(Int64)
    case badConfidence(Int)
    case unknownContent(String)
    case badLayout(String)
    case noContract(String)
    case partNotKept(String)
    case positionPastData(UInt64)
    case challengeTooLarge(leaves: Int, leafSize: Int)
    case wrongMetainfo(String)
    case notUnderCheckpoints(String)

    var description: String {
        switch self {
        case .badInterval(let seconds): "--pps-interval must be positive, not \(seconds) s"
        case .badConfidence(let bits): "--pps-confidence takes 1 to 1023 bits, not \(bits)"
        case .unknownContent(let infoHash): "no content \(infoHash) in this node's store"
        case .badLayout(let infoHash): "the parts of \(infoHash) cannot be cut into proof leaves"
        case .noContract(let task): "no active contract with the asker for task \(task)"
        case .partNotKept(let hash): "part \(hash) is not kept here"
        case .positionPastData(let position): "bit \(position) lies past the parts' data"
        case .challengeTooLarge(let leaves, let leafSize):
            "a checkpoint of \(leaves) leaves of \(leafSize) bytes is larger than an answer may be"
        case .wrongMetainfo(let infoHash): "the metainfo received for \(infoHash) has another info-hash"
        case .notUnderCheckpoints(let infoHash):
            "\(infoHash) is not under proof of storage here: upload it with --pps-interval first"
        }
    }
}
