extension Transaction {
    /// A transfer spending each outpoint with its key's signature. The id (and so every signature hash) leaves
    /// signatures out, so the inputs are signed against the unsigned transfer.
    public static func signedTransfer(
        spending coins: [(OutPoint, PrivateKey)],
        to outputs: [TransactionOutput]
    ) throws(KeyError) -> Transaction {
        let unsigned = Transaction.transfer(
            inputs: coins.map { TransactionInput(previous: $0.0, unlock: .signature($0.1.publicKey, unsignedMark)) },
            outputs: outputs
        )
        let id = unsigned.id
        var inputs: [TransactionInput] = []
        for (index, (outpoint, key)) in coins.enumerated() {
            let signature = try key.sign(signatureHash(id: id, input: index))
            inputs.append(TransactionInput(previous: outpoint, unlock: .signature(key.publicKey, signature)))
        }
        return .transfer(inputs: inputs, outputs: outputs)
    }

    /// Stands in for signatures not made yet (they are not part of the id).
    static let unsignedMark = Signature(
        bytes: [1] + [UInt8](repeating: 0, count: 31) + [1] + [UInt8](repeating: 0, count: 31)
    )!
}
