import Chain
import Testing

struct ChannelTests {
    /// Opens a channel of 100 ZEN from the premine; returns the chain, the channel's outpoint and the keys.
    static func open(expiry: UInt32) throws -> (TestChain, OutPoint, PrivateKey, PrivateKey) {
        var chain = try TestChain()
        let payer = TestChain.premineKey
        let payee = try PrivateKey.generate()
        let (funds, _) = chain.coins(of: payer.publicKey)[0]
        let open = try TestChain.transfer(
            [funds],
            from: payer,
            to: [
                TransactionOutput(
                    amount: .coins(100),
                    lock: .channel(ChannelTerms(payer: payer.publicKey, payee: payee.publicKey, expiry: expiry))
                ),
                TestChain.pay(.coins(900), to: payer.publicKey),
            ]
        )
        try chain.extend([open])
        return (chain, OutPoint(transaction: open.id, index: 0), payer, payee)
    }

    static func state(_ channel: OutPoint, _ amount: Amount) -> [UInt8] {
        var writer = CanonicalWriter()
        writer.writeFixed(Array("zennet channel state v1".utf8))
        writer.writeFixed(channel.transaction.bytes)
        writer.write(channel.index)
        writer.write(amount.units)
        return writer.bytes
    }

    static func close(
        _ channel: OutPoint,
        payer: PrivateKey,
        payee: PrivateKey,
        stateSignature: Signature,
        amount: Amount,
        fee: Amount,
        payerBack: Amount
    ) throws -> Transaction {
        let outputs = [TestChain.pay(amount - fee, to: payee.publicKey), TestChain.pay(payerBack, to: payer.publicKey)]
        let placeholder = try payee.sign([0])
        let unsigned = Transaction.transfer(
            inputs: [
                TransactionInput(
                    previous: channel,
                    unlock: .channelClose(
                        payeeAmount: amount,
                        payerStateSignature: stateSignature,
                        payeeSignature: placeholder
                    )
                )
            ],
            outputs: outputs
        )
        let payeeSignature = try payee.sign(unsigned.signatureHash(input: 0))
        return .transfer(
            inputs: [
                TransactionInput(
                    previous: channel,
                    unlock: .channelClose(
                        payeeAmount: amount,
                        payerStateSignature: stateSignature,
                        payeeSignature: payeeSignature
                    )
                )
            ],
            outputs: outputs
        )
    }

    /// A hundred off-chain updates, then the payee closes with the last one: balances equal the last signed
    /// state, and no coin is created or lost.
    @Test func hundredUpdatesThenClose() throws {
        var (chain, channel, payer, payee) = try Self.open(expiry: 1000)
        var latest: (Amount, Signature)?
        for step in 1...100 {
            let amount = Amount(units: Int64(step) * 50_000_000)  // 0.5 ZEN more each time
            latest = (amount, try payer.sign(Self.state(channel, amount)))
        }
        let (amount, signature) = try #require(latest)
        let total = chain.state.totalCoins
        // An older state cannot be passed off with the latest signature.
        let cheat = try Self.close(
            channel,
            payer: payer,
            payee: payee,
            stateSignature: signature,
            amount: .coins(60),
            fee: .coins(0),
            payerBack: .coins(40)
        )
        #expect(throws: ConsensusError.badSignature(input: 0)) { try chain.state.check(cheat) }
        let short = try Self.close(
            channel,
            payer: payer,
            payee: payee,
            stateSignature: signature,
            amount: amount,
            fee: .coins(0),
            payerBack: .coins(40)
        )
        #expect(throws: ConsensusError.badChannelClose("the payer must get back exactly what the state leaves it")) {
            try chain.state.check(short)
        }
        let greedy = try Self.close(
            channel,
            payer: payer,
            payee: payee,
            stateSignature: try payer.sign(Self.state(channel, .coins(101))),
            amount: .coins(101),
            fee: .coins(0),
            payerBack: .coins(0)
        )
        #expect(throws: ConsensusError.badChannelClose("the state pays the payee more than the channel holds")) {
            try chain.state.check(greedy)
        }
        let close = try Self.close(
            channel,
            payer: payer,
            payee: payee,
            stateSignature: signature,
            amount: amount,
            fee: Amount(units: 1000),
            payerBack: .coins(100) - amount
        )
        try chain.extend([close], fees: Amount(units: 1000))
        #expect(chain.coins(of: payee.publicKey).map(\.1.output.amount) == [amount - Amount(units: 1000)])
        #expect(chain.state.unspent[channel] == nil)
        #expect(chain.state.totalCoins == total + .coins(50))  // only the new block's reward was added
    }

    /// The payer takes the coins back after expiry, not before.
    @Test func refundAfterExpiry() throws {
        var (chain, channel, payer, _) = try Self.open(expiry: 4)
        let outputs = [TestChain.pay(.coins(100), to: payer.publicKey)]
        let unsigned = Transaction.transfer(
            inputs: [TransactionInput(previous: channel, unlock: .channelRefund(payerSignature: try payer.sign([0])))],
            outputs: outputs
        )
        let refund = Transaction.transfer(
            inputs: [
                TransactionInput(
                    previous: channel,
                    unlock: .channelRefund(payerSignature: try payer.sign(unsigned.signatureHash(input: 0)))
                )
            ],
            outputs: outputs
        )
        #expect(throws: ConsensusError.channelNotExpired(expiry: 4, height: 2)) { try chain.state.check(refund) }
        try chain.extend()
        try chain.extend()
        try chain.extend([refund])
        #expect(chain.state.unspent[channel] == nil)
        #expect(chain.coins(of: payer.publicKey).map(\.1.output.amount).contains(.coins(100)))
    }
}
