/// A reference to one output of an earlier transaction.
public struct OutPoint: Hashable, Sendable, CustomStringConvertible {
    public let transaction: Hash256
    public let index: UInt32

    public init(transaction: Hash256, index: UInt32) {
        self.transaction = transaction
        self.index = index
    }

    public var description: String { "\(transaction):\(index)" }
}

/// The terms of a one-way payment channel, locked in an output: the payer's coins, payable to the payee by a
/// state the payer signed, or back to the payer once the chain reaches `expiry`.
public struct ChannelTerms: Hashable, Sendable {
    public let payer: PublicKey
    public let payee: PublicKey
    /// The first height at which the payer alone may take the coins back.
    public let expiry: UInt32

    public init(payer: PublicKey, payee: PublicKey, expiry: UInt32) {
        self.payer = payer
        self.payee = payee
        self.expiry = expiry
    }
}

/// Who may spend an output.
public enum OutputLock: Hashable, Sendable {
    /// The holder of the key whose address this is.
    case address(Address)
    /// A one-way payment channel.
    case channel(ChannelTerms)
}

/// Coins locked to a spender.
public struct TransactionOutput: Hashable, Sendable {
    public let amount: Amount
    public let lock: OutputLock

    public init(amount: Amount, lock: OutputLock) {
        self.amount = amount
        self.lock = lock
    }
}

/// How an input proves it may spend the output it names.
public enum Unlock: Hashable, Sendable {
    /// A key whose address the output names, and its signature over the transaction.
    case signature(PublicKey, Signature)
    /// Closes a channel: the payer's signature over the state (channel, amount to the payee), and the payee's
    /// signature over the transaction, which must pay the payee exactly that and the payer the rest.
    case channelClose(payeeAmount: Amount, payerStateSignature: Signature, payeeSignature: Signature)
    /// Takes a channel's coins back once it expired: the payer's signature over the transaction.
    case channelRefund(payerSignature: Signature)
}

/// One spent output.
public struct TransactionInput: Hashable, Sendable {
    public let previous: OutPoint
    public var unlock: Unlock

    public init(previous: OutPoint, unlock: Unlock) {
        self.previous = previous
        self.unlock = unlock
    }
}

/// A Zennet transaction: a coinbase (new coins, first in each block), a transfer of coins, or an announcement
/// (an outputless transaction that the chain forgets after its timeout).
public enum Transaction: Hashable, Sendable {
    case coinbase(height: UInt32, outputs: [TransactionOutput])
    case transfer(inputs: [TransactionInput], outputs: [TransactionOutput])
    case announcement(SignedAnnouncement)
    /// An announcement pruned after its timeout: only its id remains, so the block's Merkle root still
    /// verifies. It changes no state (announcements carry no coins), so accepting one is always safe.
    case pruned(Hash256)

    /// The id: SHA-256d of the encoding without signatures, so nobody can change a transaction's id by
    /// re-encoding its signatures.
    public var id: Hash256 {
        if case .pruned(let id) = self { return id }
        return Hash256.sha256d(TransactionCodec.encode(self, includingSignatures: false))
    }

    /// What input `index` signs: the id (which covers every input and output) and the input's position.
    public func signatureHash(input index: Int) -> [UInt8] { Self.signatureHash(id: id, input: index) }

    /// What input `index` of the transaction with this id signs.
    public static func signatureHash(id: Hash256, input index: Int) -> [UInt8] {
        Array("zennet sighash v1".utf8) + id.bytes + [
            UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: index >> 8),
        ]
    }

    public var outputs: [TransactionOutput] {
        switch self {
        case .coinbase(_, let outputs), .transfer(_, let outputs): outputs
        case .announcement, .pruned: []
        }
    }

    public var inputs: [TransactionInput] {
        if case .transfer(let inputs, _) = self { return inputs }
        return []
    }

    /// The canonical bytes.
    public var encoded: [UInt8] { TransactionCodec.encode(self, includingSignatures: true) }
}
