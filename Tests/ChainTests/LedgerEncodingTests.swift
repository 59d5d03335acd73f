import Chain
import Testing

struct LedgerEncodingTests {
    /// Amounts print with eight decimals and parse back; bad forms are refused.
    @Test func amounts() {
        #expect(Amount.coins(1).description == "1.00000000")
        #expect(Amount(parsing: "0.5")?.units == 50_000_000)
        #expect(Amount(parsing: "1.23456789")?.description == "1.23456789")
        for bad in ["", "-1", "1.", "1.123456789", "abc", "21000001", "1e3"] { #expect(Amount(parsing: bad) == nil) }
    }

    /// Addresses carry a checksum: one changed character is refused.
    @Test func addresses() throws {
        let address = Address(publicKey: try PrivateKey.generate().publicKey)
        #expect(Address(parsing: address.description) == address)
        var text = Array(address.description)
        text[10] = text[10] == "0" ? "1" : "0"
        #expect(Address(parsing: String(text)) == nil)
    }

    static func sampleTransactions() throws -> [Transaction] {
        let key = try PrivateKey.generate()
        let other = try PrivateKey.generate()
        let outpoint = OutPoint(transaction: Hash256.sha256([1]), index: 3)
        let transfer = try TestChain.transfer(
            [outpoint],
            from: key,
            to: [
                TestChain.pay(.coins(2), to: other.publicKey),
                TransactionOutput(
                    amount: .coins(1),
                    lock: .channel(ChannelTerms(payer: key.publicKey, payee: other.publicKey, expiry: 99))
                ),
            ]
        )
        let signature = try key.sign([1])
        return [
            .coinbase(height: 7, outputs: [TestChain.pay(.coins(50), to: key.publicKey)]),
            transfer,
            .transfer(
                inputs: [
                    TransactionInput(
                        previous: outpoint,
                        unlock: .channelClose(
                            payeeAmount: .coins(1),
                            payerStateSignature: signature,
                            payeeSignature: signature
                        )
                    ),
                    TransactionInput(previous: outpoint, unlock: .channelRefund(payerSignature: signature)),
                ],
                outputs: [TestChain.pay(.coins(1), to: key.publicKey)]
            ),
            .announcement(try AnnouncementTests.task(publisher: key)),
            .announcement(
                SignedAnnouncement(
                    issuer: MinedIdentity(publicKey: key.publicKey, nonce: 5),
                    body: .acceptance(task: Hash256.sha256([2])),
                    timeoutBlocks: 10
                )
            ),
        ]
    }

    /// Every transaction and a block round-trip byte for byte.
    @Test func roundTrips() throws {
        let transactions = try Self.sampleTransactions()
        for transaction in transactions {
            #expect(try TransactionCodec.decode(transaction.encoded) == transaction)
        }
        let block = Block(
            header: BlockHeader(
                previous: Hash256.sha256([9]),
                merkleRoot: Block.merkleRoot(of: transactions),
                time: 123,
                bits: 0x207f_ffff,
                nonce: 42,
                algorithm: .scrypt
            ),
            transactions: transactions
        )
        #expect(try Block.decode(block.encoded) == block)
        #expect(block.header.encoded.count == 89)
    }

    /// Decoding refuses trailing bytes, unknown tags, high-S signatures and oversize counts.
    @Test func rejections() throws {
        let transaction = try Self.sampleTransactions()[1]
        #expect(throws: CanonicalDecodingError.self) { try TransactionCodec.decode(transaction.encoded + [0]) }
        #expect(throws: CanonicalDecodingError.self) { try TransactionCodec.decode([9]) }
        // A transfer claiming 2^32 inputs.
        #expect(throws: CanonicalDecodingError.lengthTooLarge(offset: 1, length: 1 << 32, limit: 10_000)) {
            try TransactionCodec.decode([1, 0xff, 0, 0, 0, 0, 1, 0, 0, 0])
        }
        var highS = transaction.encoded
        // The first input's signature: kind(1) count(1) outpoint(36) tag(1) key(33) → s starts 32 bytes later.
        let sStart = 1 + 1 + 36 + 1 + 33 + 32
        highS[sStart] = 0xff
        #expect(throws: CanonicalDecodingError.self) { try TransactionCodec.decode(highS) }
    }

    /// A transaction's id does not cover its signatures, and each input signs its own position.
    @Test func idsAndSignatureHashes() throws {
        let key = try PrivateKey.generate()
        let outpoints = [
            OutPoint(transaction: Hash256.sha256([1]), index: 0), OutPoint(transaction: Hash256.sha256([2]), index: 0),
        ]
        let signed = try TestChain.transfer(outpoints, from: key, to: [TestChain.pay(.coins(1), to: key.publicKey)])
        let resigned = try TestChain.transfer(outpoints, from: key, to: [TestChain.pay(.coins(1), to: key.publicKey)])
        #expect(signed.id == resigned.id)
        #expect(signed.encoded != resigned.encoded)  // fresh ECDSA nonces
        #expect(signed.signatureHash(input: 0) != signed.signatureHash(input: 1))
        let changed = try TestChain.transfer(outpoints, from: key, to: [TestChain.pay(.coins(2), to: key.publicKey)])
        #expect(changed.id != signed.id)
    }

    /// Targets: compact form round-trips, work grows as the target shrinks, and 256-bit division is exact.
    @Test func targetsAndWork() throws {
        let easy = try #require(CompactTarget(bits: 0x207f_ffff))
        let hard = try #require(CompactTarget(bits: 0x1d00_ffff))
        #expect(CompactTarget.compact(for: hard.value)?.bits == 0x1d00_ffff)
        #expect(easy.work == UInt256(2))
        #expect(hard.work == UInt256(4_295_032_833))  // Bitcoin's genesis work: 0x100010001
        #expect(UInt256(1_000_000) / UInt256(7) == UInt256(142_857))
    }
}
