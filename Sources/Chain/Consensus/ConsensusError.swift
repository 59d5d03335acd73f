/// Why a block or transaction is not valid; each names what a user or developer can check.
public enum ConsensusError: Error, Equatable, Sendable, CustomStringConvertible {
    case badProofOfWork
    case wrongBits(expected: UInt32, found: UInt32)
    case timeNotAfterMedian(time: UInt64, median: UInt64)
    case timeTooFarInFuture(time: UInt64, now: UInt64)
    case badMerkleRoot
    case oversizeBlock(size: Int, limit: Int)
    case missingCoinbase
    case misplacedCoinbase
    case wrongCoinbaseHeight(expected: UInt32, found: UInt32)
    case coinbaseTooLarge(claimed: Amount, allowed: Amount)
    case duplicateTransaction(Hash256)
    case missingInput(OutPoint)
    case immatureCoinbase(OutPoint)
    case emptyTransfer
    case badSignature(input: Int)
    case wrongKey(input: Int)
    case negativeOrOversizeAmount
    case outputsExceedInputs(inputs: Amount, outputs: Amount)
    case announcementTooLarge(size: Int, limit: Int)
    case insufficientIdentityWork
    case insufficientAnnouncementWork
    case badAnnouncementSignature
    case badAnnouncementTimeout(UInt32)
    case unknownTask(Hash256)
    case notTaskOwner
    case duplicateAnnouncement(Hash256)
    case channelNotExpired(expiry: UInt32, height: UInt32)
    case badChannelClose(String)

    public var description: String {
        switch self {
        case .badProofOfWork: "the header's hash does not meet its target"
        case .wrongBits(let expected, let found):
            "the header's target \(String(found, radix: 16)) is not the required \(String(expected, radix: 16))"
        case .timeNotAfterMedian(let time, let median): "block time \(time) is not after the median \(median)"
        case .timeTooFarInFuture(let time, let now): "block time \(time) is too far ahead of now (\(now))"
        case .badMerkleRoot: "the Merkle root does not match the transactions"
        case .oversizeBlock(let size, let limit): "the block has \(size) bytes, over the limit of \(limit)"
        case .missingCoinbase: "the block does not start with a coinbase"
        case .misplacedCoinbase: "a coinbase appears after the first transaction"
        case .wrongCoinbaseHeight(let expected, let found): "the coinbase says height \(found), not \(expected)"
        case .coinbaseTooLarge(let claimed, let allowed): "the coinbase claims \(claimed), more than \(allowed)"
        case .duplicateTransaction(let id): "transaction \(id) appears twice"
        case .missingInput(let outpoint): "input \(outpoint) is spent or does not exist"
        case .immatureCoinbase(let outpoint): "input \(outpoint) spends a coinbase that is not mature yet"
        case .emptyTransfer: "a transfer needs at least one input and one output"
        case .badSignature(let input): "input \(input)'s signature does not verify"
        case .wrongKey(let input): "input \(input)'s key does not own the output it spends"
        case .negativeOrOversizeAmount: "an amount is negative or above the coin supply"
        case .outputsExceedInputs(let inputs, let outputs): "outputs (\(outputs)) exceed inputs (\(inputs))"
        case .announcementTooLarge(let size, let limit): "the announcement has \(size) bytes, over \(limit)"
        case .insufficientIdentityWork: "the issuer's identity does not meet its identity target"
        case .insufficientAnnouncementWork: "the announcement's hash does not meet its work target"
        case .badAnnouncementSignature: "the announcement's signature does not verify"
        case .badAnnouncementTimeout(let blocks): "an announcement timeout of \(blocks) blocks is not allowed"
        case .unknownTask(let id): "task \(id) is not a live announcement"
        case .notTaskOwner: "only the task's publisher may cancel it"
        case .duplicateAnnouncement(let id): "announcement \(id) is already live"
        case .channelNotExpired(let expiry, let height): "the channel expires at \(expiry); the chain is at \(height)"
        case .badChannelClose(let reason): "bad channel close: \(reason)"
        }
    }
}
