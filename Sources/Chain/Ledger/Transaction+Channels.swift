extension ChannelTerms {
    /// The bytes a payer signs to let the payee take `payeeAmount` of the channel at `channel`.
    public static func stateMessage(channel: OutPoint, payeeAmount: Amount) -> [UInt8] {
        SpendRules.channelState(channel, payeeAmount: payeeAmount)
    }

    /// Whether `signature` is the payer's over the state paying `payeeAmount`.
    public func verifiesState(_ signature: Signature, channel: OutPoint, payeeAmount: Amount) -> Bool {
        payer.verifies(signature, for: Self.stateMessage(channel: channel, payeeAmount: payeeAmount))
    }
}

extension PrivateKey {
    /// The payer's signature over a channel state.
    public func signChannelState(channel: OutPoint, payeeAmount: Amount) throws(KeyError) -> Signature {
        try sign(ChannelTerms.stateMessage(channel: channel, payeeAmount: payeeAmount))
    }
}

extension Transaction {
    /// The payee's close of a channel holding `funding`: `payeeAmount − fee` to the payee, the rest to the payer.
    public static func channelClose(
        channel: OutPoint,
        terms: ChannelTerms,
        funding: Amount,
        payeeAmount: Amount,
        payerStateSignature: Signature,
        payee: PrivateKey,
        fee: Amount
    ) throws(KeyError) -> Transaction {
        let outputs = [
            TransactionOutput(amount: payeeAmount - fee, lock: .address(Address(publicKey: terms.payee))),
            TransactionOutput(amount: funding - payeeAmount, lock: .address(Address(publicKey: terms.payer))),
        ]
        let unsigned = Transaction.transfer(
            inputs: [
                TransactionInput(
                    previous: channel,
                    unlock: .channelClose(
                        payeeAmount: payeeAmount,
                        payerStateSignature: payerStateSignature,
                        payeeSignature: unsignedMark
                    )
                )
            ],
            outputs: outputs
        )
        let signature = try payee.sign(unsigned.signatureHash(input: 0))
        return .transfer(
            inputs: [
                TransactionInput(
                    previous: channel,
                    unlock: .channelClose(
                        payeeAmount: payeeAmount,
                        payerStateSignature: payerStateSignature,
                        payeeSignature: signature
                    )
                )
            ],
            outputs: outputs
        )
    }

    /// The payer's refund of an expired channel holding `funding`: all of it, less `fee`, back to the payer.
    public static func channelRefund(channel: OutPoint, funding: Amount, payer: PrivateKey, fee: Amount)
        throws(KeyError) -> Transaction
    {
        let outputs = [TransactionOutput(amount: funding - fee, lock: .address(Address(publicKey: payer.publicKey)))]
        let unsigned = Transaction.transfer(
            inputs: [TransactionInput(previous: channel, unlock: .channelRefund(payerSignature: unsignedMark))],
            outputs: outputs
        )
        let signature = try payer.sign(unsigned.signatureHash(input: 0))
        return .transfer(
            inputs: [TransactionInput(previous: channel, unlock: .channelRefund(payerSignature: signature))],
            outputs: outputs
        )
    }
}
