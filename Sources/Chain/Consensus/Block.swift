/// A block header: what miners hash.
public struct BlockHeader: Hashable, Sendable {
    public var version: UInt32
    public var previous: Hash256
    public var merkleRoot: Hash256
    /// Seconds since 1970.
    public var time: UInt64
    /// The target of this block's algorithm, compact.
    public var bits: UInt32
    public var nonce: UInt64
    public var algorithm: PowAlgorithm

    public init(
        version: UInt32 = 1,
        previous: Hash256,
        merkleRoot: Hash256,
        time: UInt64,
        bits: UInt32,
        nonce: UInt64 = 0,
        algorithm: PowAlgorithm
    ) {
        self.version = version
        self.previous = previous
        self.merkleRoot = merkleRoot
        self.time = time
        self.bits = bits
        self.nonce = nonce
        self.algorithm = algorithm
    }

    /// The 89 canonical bytes.
    public var encoded: [UInt8] {
        var writer = CanonicalWriter(capacity: 89)
        writer.write(version)
        writer.writeFixed(previous.bytes)
        writer.writeFixed(merkleRoot.bytes)
        writer.write(time)
        writer.write(bits)
        writer.write(nonce)
        writer.write(algorithm.rawValue)
        return writer.bytes
    }

    /// The block's id: SHA-256d of the header, whatever algorithm mined it.
    public var id: Hash256 { Hash256.sha256d(encoded) }

    /// The hash the algorithm's target judges.
    public var powHash: Hash256 { algorithm.hash(encoded) }

    static func decode(from reader: inout CanonicalReader) throws(CanonicalDecodingError) -> BlockHeader {
        let version = try reader.readUInt32()
        let previous = try TransactionCodec.readHash(&reader)
        let merkle = try TransactionCodec.readHash(&reader)
        let time = try reader.readUInt64()
        let bits = try reader.readUInt32()
        let nonce = try reader.readUInt64()
        let offset = reader.offset
        guard let algorithm = PowAlgorithm(rawValue: try reader.readUInt8()) else {
            throw .invalidValue(offset: offset, reason: "unknown proof-of-work algorithm")
        }
        return BlockHeader(
            version: version,
            previous: previous,
            merkleRoot: merkle,
            time: time,
            bits: bits,
            nonce: nonce,
            algorithm: algorithm
        )
    }
}

/// A block: a header and its transactions, the first of which is the coinbase.
public struct Block: Hashable, Sendable {
    public var header: BlockHeader
    public var transactions: [Transaction]

    public init(header: BlockHeader, transactions: [Transaction]) {
        self.header = header
        self.transactions = transactions
    }

    public var id: Hash256 { header.id }

    /// Bitcoin's Merkle tree of transaction ids (an odd last node is paired with itself).
    public static func merkleRoot(of transactions: [Transaction]) -> Hash256 {
        var level = transactions.map(\.id)
        guard !level.isEmpty else { return Hash256(bytes: [UInt8](repeating: 0, count: 32))! }
        while level.count > 1 {
            var next: [Hash256] = []
            for index in stride(from: 0, to: level.count, by: 2) {
                let right = index + 1 < level.count ? level[index + 1] : level[index]
                next.append(Hash256.sha256d(level[index].bytes + right.bytes))
            }
            level = next
        }
        return level[0]
    }

    /// The canonical bytes: header, then the transaction count and each transaction.
    public var encoded: [UInt8] {
        var writer = CanonicalWriter(capacity: 89 + transactions.count * 200)
        writer.writeFixed(header.encoded)
        writer.writeVarInt(UInt64(transactions.count))
        for transaction in transactions {
            TransactionCodec.encode(transaction, into: &writer, includingSignatures: true)
        }
        return writer.bytes
    }

    /// Decodes a whole block; trailing bytes and more than `maximumTransactions` are errors.
    public static func decode(_ bytes: [UInt8], maximumTransactions: Int = 100_000) throws(CanonicalDecodingError)
        -> Block
    {
        var reader = CanonicalReader(bytes)
        let header = try BlockHeader.decode(from: &reader)
        let count = try reader.readCount(limit: maximumTransactions)
        var transactions: [Transaction] = []
        transactions.reserveCapacity(min(count, 1024))
        for _ in 0..<count { transactions.append(try TransactionCodec.decode(from: &reader)) }
        try reader.finish()
        return Block(header: header, transactions: transactions)
    }
}

/// One signature to check: a key, its signature and the signed message.
public struct SignatureCheck: Sendable {
    public let key: PublicKey
    public let signature: Signature
    public let message: [UInt8]

    public func isValid() -> Bool { key.verifies(signature, for: message) }
}

extension Block {
    /// The key signatures of every transfer input (the bulk of a block's validation cost), so a node can check
    /// them on all cores before `ChainState.apply(_:signaturesVerified:)`.
    public func keySignatureChecks() -> [SignatureCheck] {
        var checks: [SignatureCheck] = []
        for transaction in transactions {
            guard case .transfer(let inputs, _) = transaction else { continue }
            let id = transaction.id
            for (index, input) in inputs.enumerated() {
                guard case .signature(let key, let signature) = input.unlock else { continue }
                let message = Transaction.signatureHash(id: id, input: index)
                checks.append(SignatureCheck(key: key, signature: signature, message: message))
            }
        }
        return checks
    }
}
