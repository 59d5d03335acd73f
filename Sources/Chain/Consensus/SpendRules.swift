/// Who may spend an output: the key of its address, or a channel's payer and payee under the channel's rules.
enum SpendRules {
    /// The state a channel's payer signs: how much of the channel's coins go to the payee.
    static func channelState(_ channel: OutPoint, payeeAmount: Amount) -> [UInt8] {
        var writer = CanonicalWriter()
        writer.writeFixed(Array("zennet channel state v1".utf8))
        writer.writeFixed(channel.transaction.bytes)
        writer.write(channel.index)
        writer.write(payeeAmount.units)
        return writer.bytes
    }

    static func check(
        input: TransactionInput,
        index: Int,
        spending output: TransactionOutput,
        in transaction: Transaction,
        height: UInt32,
        signatureVerified: Bool = false
    ) throws(ConsensusError) {
        let message = transaction.signatureHash(input: index)
        switch (output.lock, input.unlock) {
        case (.address(let address), .signature(let key, let signature)):
            guard Address(publicKey: key) == address else { throw .wrongKey(input: index) }
            guard signatureVerified || key.verifies(signature, for: message) else { throw .badSignature(input: index) }
        case (.channel(let terms), .channelClose(let payeeAmount, let stateSignature, let payeeSignature)):
            guard terms.payer.verifies(stateSignature, for: channelState(input.previous, payeeAmount: payeeAmount))
            else { throw .badSignature(input: index) }
            guard terms.payee.verifies(payeeSignature, for: message) else { throw .badSignature(input: index) }
            guard payeeAmount.units >= 0, payeeAmount <= output.amount else {
                throw .badChannelClose("the state pays the payee more than the channel holds")
            }
            let outputs = transaction.outputs
            guard transaction.inputs.count == 1, outputs.count == 2,
                outputs[0].lock == .address(Address(publicKey: terms.payee)),
                outputs[1].lock == .address(Address(publicKey: terms.payer))
            else { throw .badChannelClose("a close has one input and pays the payee, then the payer") }
            guard outputs[1].amount == output.amount - payeeAmount else {
                throw .badChannelClose("the payer must get back exactly what the state leaves it")
            }
            guard outputs[0].amount <= payeeAmount else {
                throw .badChannelClose("the payee may take at most the signed amount (less the fee)")
            }
        case (.channel(let terms), .channelRefund(let signature)):
            guard height >= terms.expiry else { throw .channelNotExpired(expiry: terms.expiry, height: height) }
            guard terms.payer.verifies(signature, for: message) else { throw .badSignature(input: index) }
        default:
            throw .wrongKey(input: index)
        }
    }
}
