/// One holder's checkpoints as its owner keeps them: when the next one is due, the one waiting for its answer,
/// the last one passed (storage is paid up to it) and the first failure (after which nothing more is paid).
/// Times are seconds since 1970, read from the caller's clock.
public struct CheckpointAccount: Hashable, Sendable, Codable {
    /// Seconds from one checkpoint sent to the next.
    public let intervalSeconds: Int64
    /// Seconds a holder has to answer; a later answer fails the checkpoint.
    public let deadlineSeconds: Int64
    /// When checkpoints began (the first is due one interval later).
    public let startedAt: Int64
    public private(set) var pending: PendingCheckpoint?
    public private(set) var lastSentAt: Int64?
    /// When the last passed checkpoint was sent: the holder had the data then, so storage is paid up to it.
    public private(set) var lastPassedAt: Int64?
    public private(set) var passedCount: Int = 0
    public private(set) var failure: CheckpointFailure?

    public init(intervalSeconds: Int64, deadlineSeconds: Int64, startingAt now: Int64) {
        precondition(intervalSeconds > 0 && deadlineSeconds > 0, "checkpoints need a positive interval and deadline")
        self.intervalSeconds = intervalSeconds
        self.deadlineSeconds = deadlineSeconds
        startedAt = now
    }

    /// Whether a new checkpoint should go out now: none waits, none failed, and an interval passed since the
    /// last one (or since the start).
    public func isDue(at now: Int64) -> Bool {
        failure == nil && pending == nil && now >= (lastSentAt ?? startedAt) + intervalSeconds
    }

    /// Checkpoint `number` went out (or should have: a holder that cannot be reached misses it the same way).
    public mutating func sent(_ number: UInt64, at now: Int64) {
        precondition(pending == nil, "one checkpoint at a time")
        pending = PendingCheckpoint(number: number, sentAt: now)
        lastSentAt = now
    }

    /// The holder's answer to checkpoint `number`: `failedBecause` is nil when it verified. An answer after the
    /// deadline fails whatever it says; an answer to no pending checkpoint changes nothing.
    @discardableResult
    public mutating func answered(_ number: UInt64, failedBecause reason: String?, at now: Int64) -> CheckpointOutcome {
        guard failure == nil, let waiting = pending, waiting.number == number else { return .unexpected }
        pending = nil
        if now > waiting.sentAt + deadlineSeconds {
            failure = CheckpointFailure(
                number: number,
                at: now,
                reason: "answered after \(now - waiting.sentAt) s, past the \(deadlineSeconds) s deadline"
            )
            return .failed
        }
        if let reason {
            failure = CheckpointFailure(number: number, at: now, reason: reason)
            return .failed
        }
        lastPassedAt = waiting.sentAt
        passedCount += 1
        return .passed
    }

    /// Fails the pending checkpoint when its deadline passed without an answer; true when it did.
    @discardableResult
    public mutating func expire(at now: Int64) -> Bool {
        guard failure == nil, let waiting = pending, now > waiting.sentAt + deadlineSeconds else { return false }
        pending = nil
        failure = CheckpointFailure(
            number: waiting.number,
            at: now,
            reason: "no answer within \(deadlineSeconds) s"
        )
        return true
    }

    /// Records a failure found outside the checkpoints (the market cut the holder off); the first one stays.
    public mutating func fail(_ reason: String, at now: Int64) {
        guard failure == nil else { return }
        failure = CheckpointFailure(number: pending?.number ?? 0, at: now, reason: reason)
        pending = nil
    }

    /// Forgets the pending checkpoint without failing it (its owner lost what it asked, as in a restart); the
    /// next one is due at once.
    public mutating func abandonPending() {
        guard pending != nil else { return }
        pending = nil
        lastSentAt = startedAt - intervalSeconds
    }

    /// What the owner's next payment may carry, given the second up to which it has already paid storage.
    public func payment(meteredUntil: Int64) -> CheckpointPayment {
        if let failure { return .stop(failure) }
        guard let lastPassedAt, lastPassedAt > meteredUntil else { return .wait }
        return .pay(until: lastPassedAt)
    }
}

/// A checkpoint sent and not yet answered.
public struct PendingCheckpoint: Hashable, Sendable, Codable {
    public let number: UInt64
    public let sentAt: Int64
}

/// The first checkpoint a holder failed, and why.
public struct CheckpointFailure: Hashable, Sendable, Codable, CustomStringConvertible {
    public let number: UInt64
    public let at: Int64
    public let reason: String

    public var description: String { "checkpoint \(number) failed: \(reason)" }
}

/// What an answer did to the account.
public enum CheckpointOutcome: Hashable, Sendable {
    case passed
    case failed
    /// No such checkpoint was waiting (a duplicate, or one already given up on).
    case unexpected
}

/// What a payment may carry under checkpoints.
public enum CheckpointPayment: Hashable, Sendable {
    /// Storage up to `until` (the last passed checkpoint), plus the transfers metered so far.
    case pay(until: Int64)
    /// Nothing new passed since the last payment.
    case wait
    /// The holder failed a checkpoint: no more payments.
    case stop(CheckpointFailure)
}
