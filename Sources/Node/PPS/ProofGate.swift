import Market

/// What proof of storage says of a publisher contract's next payment: nil when no checkpoints govern it.
typealias ProofGate = @Sendable (ContractRecord) -> CheckpointPayment?

/// Why a holder (by identity key) may not be hired again; nil when it may.
typealias HolderBar = @Sendable (String) -> String?
