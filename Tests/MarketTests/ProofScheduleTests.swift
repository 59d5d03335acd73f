import Chain
import Market
import Testing

/// The owner's checkpoint decisions on a fake clock: when a checkpoint is due, what is paid after each one,
/// and how a wrong, late or missing answer stops payment for good.
struct ProofScheduleTests {
    static let rates = StorageRates(
        storagePerGiBMonth: Amount(units: 2_592_000 * 1024),
        uploadPerGiB: Amount(units: 0),
        downloadPerGiB: Amount(units: 0)
    )

    @Test func checkpointsFallDueOneIntervalApart() {
        var account = CheckpointAccount(intervalSeconds: 10, deadlineSeconds: 3, startingAt: 1_000)
        #expect(!account.isDue(at: 1_009))
        #expect(account.isDue(at: 1_010))
        account.sent(1, at: 1_010)
        #expect(!account.isDue(at: 1_030), "one checkpoint at a time")
        let outcome1 = account.answered(1, failedBecause: nil, at: 1_011)
        #expect(outcome1 == .passed)
        #expect(!account.isDue(at: 1_019))
        #expect(account.isDue(at: 1_020))
        #expect(account.lastPassedAt == 1_010)
        #expect(account.passedCount == 1)
    }

    @Test func eachPassedCheckpointPaysTheStorageSinceTheLastOne() {
        // 1 GiB held: one unit per second at this price (a month is 2,592,000 s).
        var meter = StorageMeter(startingAt: 1_000)
        meter.stored(1 << 30, at: 1_000)
        var account = CheckpointAccount(intervalSeconds: 10, deadlineSeconds: 3, startingAt: 1_000)
        #expect(account.payment(meteredUntil: meter.meteredUntil) == .wait, "nothing is paid before a check")
        var paid: [Int64] = []
        for round in 1...5 {
            let sentAt = Int64(1_000 + 10 * round)
            account.sent(UInt64(round), at: sentAt)
            #expect(account.payment(meteredUntil: meter.meteredUntil) == .wait, "a sent check pays nothing yet")
            account.answered(UInt64(round), failedBecause: nil, at: sentAt + 2)
            guard case .pay(let until) = account.payment(meteredUntil: meter.meteredUntil) else {
                Issue.record("a passed check must pay")
                return
            }
            #expect(until == sentAt)
            meter.advance(to: until)
            paid.append(Self.rates.charge(for: meter.usage).units)
            #expect(account.payment(meteredUntil: meter.meteredUntil) == .wait, "each check is paid once")
        }
        // Each check adds 10 GiB-seconds at 1,024 units per GiB-second: exactly 10,240 units.
        #expect(paid == [10_240, 20_480, 30_720, 40_960, 51_200])
    }

    @Test func aWrongAnswerStopsPaymentForGood() {
        var account = CheckpointAccount(intervalSeconds: 5, deadlineSeconds: 2, startingAt: 0)
        account.sent(1, at: 5)
        account.answered(1, failedBecause: nil, at: 6)
        account.sent(2, at: 10)
        let outcome2 = account.answered(2, failedBecause: "root mismatch", at: 11)
        #expect(outcome2 == .failed)
        guard case .stop(let failure) = account.payment(meteredUntil: 0) else {
            Issue.record("a failed holder must not be paid")
            return
        }
        #expect(failure.number == 2 && failure.reason == "root mismatch")
        #expect(!account.isDue(at: 1_000), "a failed holder gets no more checkpoints")
        let outcome3 = account.answered(2, failedBecause: nil, at: 11)
        #expect(outcome3 == .unexpected)
    }

    @Test func aLateAnswerFailsEvenIfRight() {
        var account = CheckpointAccount(intervalSeconds: 5, deadlineSeconds: 2, startingAt: 0)
        account.sent(1, at: 5)
        let outcome4 = account.answered(1, failedBecause: nil, at: 8)
        #expect(outcome4 == .failed)
        #expect(account.failure?.reason.contains("deadline") == true)
        #expect(account.lastPassedAt == nil)
    }

    @Test func aMissingAnswerExpiresAfterTheDeadline() {
        var account = CheckpointAccount(intervalSeconds: 5, deadlineSeconds: 2, startingAt: 0)
        account.sent(1, at: 5)
        let outcome5 = account.expire(at: 7)
        #expect(!outcome5, "the deadline itself is still in time")
        let outcome6 = account.expire(at: 8)
        #expect(outcome6)
        #expect(account.failure?.reason == "no answer within 2 s")
        let outcome7 = account.expire(at: 9)
        #expect(!outcome7, "a failure is recorded once")
    }

    @Test func anAnswerToAnotherCheckpointChangesNothing() {
        var account = CheckpointAccount(intervalSeconds: 5, deadlineSeconds: 2, startingAt: 0)
        account.sent(7, at: 5)
        let outcome8 = account.answered(6, failedBecause: nil, at: 6)
        #expect(outcome8 == .unexpected)
        #expect(account.pending?.number == 7)
    }

    @Test func everyHeldPartIsCheckedAtLeastOnce() throws {
        let layout = try MerkleLayout(totalLength: 10 * 4096 + 100, partLength: 4096)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            let leaves = HeldLeafDraw.leaves(3, ofParts: [1, 4, 7, 10], layout: layout, using: &generator)
            #expect(Set(leaves.map(\.part)) == [1, 4, 7, 10])
            #expect(leaves.count == 4)
            #expect(leaves.allSatisfy { layout.length(of: $0) > 0 })
        }
        let more = HeldLeafDraw.leaves(12, ofParts: [2], layout: layout, using: &generator)
        #expect(more.count == 12 && Set(more).count == 12 && more.allSatisfy { $0.part == 2 })
        let all = HeldLeafDraw.leaves(1_000, ofParts: [10], layout: layout, using: &generator)
        #expect(all.count == 1, "the short last part has one leaf")
        #expect(HeldLeafDraw.leaves(5, ofParts: [], layout: layout, using: &generator).isEmpty)
    }

    @Test func aLostPartIsAlwaysCaught() throws {
        // A holder that lost one of its four parts fails every checkpoint, whatever the draw.
        let layout = try MerkleLayout(totalLength: 4 * 4096, partLength: 4096)
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<1_000 {
            let leaves = HeldLeafDraw.leaves(2, ofParts: [0, 1, 2, 3], layout: layout, using: &generator)
            #expect(leaves.contains { $0.part == 2 })
        }
    }

    @Test func repairCountsOnlyHealthyHolders() {
        let holders: [String: Set<String>] = [
            "a": ["h1", "h2", "h3"], "b": ["h1", "h4", "h3"], "c": ["h2", "h4", "h1"],
        ]
        let missing = ReplicaShortfall.missing(holders: holders, healthy: ["h1", "h2", "h4"], replicas: 3)
        #expect(missing == ["a": 1, "b": 1])
        #expect(ReplicaShortfall.missing(holders: holders, healthy: ["h1", "h2", "h3", "h4"], replicas: 3).isEmpty)
        #expect(ReplicaShortfall.missing(holders: holders, healthy: [], replicas: 2) == ["a": 2, "b": 2, "c": 2])
    }

    @Test func repairTargetsLackThePartAndHaveRoom() {
        let targets = ReplicaShortfall.targets(
            count: 2,
            partBytes: 100,
            keepers: ["h1"],
            candidates: ["h1": 1_000, "h2": 50, "h3": 300, "h4": 300, "h5": 900]
        )
        #expect(targets == ["h5", "h3"])
        #expect(ReplicaShortfall.targets(count: 1, partBytes: 100, keepers: [], candidates: ["h2": 99]).isEmpty)
    }
}
