import Chain
import Market
import Testing

struct PrivateChecksumTests {
    static let data = ProofTestSupport.data(128 << 10, seed: 17)

    static func checksum(seed: UInt64 = 1) throws -> PrivateChecksum {
        var generator = SeededGenerator(seed: seed)
        return try PrivateChecksum.make(data: data, using: &generator)
    }

    /// The owner's state is 170 bytes (the RFC's budget is 259 per MiB) and reads back unchanged.
    @Test func stateIsSmallAndRoundTrips() throws {
        var checksum = try Self.checksum()
        _ = checksum.nextCheckpoint()
        #expect(PrivateChecksum.encodedLength == 170)
        #expect(checksum.encoded.count == 170)
        #expect(try PrivateChecksum(encoded: checksum.encoded) == checksum)
        #expect(throws: PrivateChecksumError.self) { try PrivateChecksum(encoded: Array(checksum.encoded.dropLast())) }
        var overused = checksum.encoded
        overused[40] = 0xff
        overused[41] = 0xff
        #expect(throws: PrivateChecksumError.self) { try PrivateChecksum(encoded: overused) }
        var generator = SeededGenerator(seed: 1)
        #expect(throws: PrivateChecksumError.dataTooSmall(byteCount: 3)) {
            try PrivateChecksum.make(data: [1, 2, 3], using: &generator)
        }
        #expect(throws: PrivateChecksumError.badSeed(byteCount: 31)) {
            try PrivateChecksum.make(data: Self.data, seed: [UInt8](repeating: 0, count: 31))
        }
    }

    /// The same seed gives the same checksum; salts differ; each salt's 32 positions are distinct and inside
    /// the data; fresh salts come first.
    @Test func derivationIsDeterministicAndDistinct() throws {
        let checksum = try Self.checksum()
        #expect(try Self.checksum() == checksum)
        #expect(try Self.checksum(seed: 2) != checksum)
        let checkpoints = (0..<PrivateChecksum.bitCount).map(checksum.checkpoint)
        #expect(Set(checkpoints.map(\.salt)).count == 32)
        #expect(checkpoints.allSatisfy { $0.salt.count == 16 && $0.position < UInt64(Self.data.count) * 8 })
        for salt in 0..<32 {
            let positions = checkpoints.filter { $0.saltIndex == salt }.map(\.position)
            #expect(Set(positions).count == 32)
        }
        #expect(checkpoints.prefix(32).allSatisfy(\.saltIsFresh) && !checkpoints[32].saltIsFresh)
        #expect(Set(checkpoints.prefix(32).map(\.saltIndex)).count == 32)
    }

    /// An honest holder, recomputing from the whole data every time, passes 1,000 checkpoints.
    @Test func honestHolderPasses1000() throws {
        var checksum = try Self.checksum()
        for _ in 0..<1000 {
            let next = checksum.nextCheckpoint()
            let checkpoint = try #require(next)
            let answer = GarbledData.answer(salt: checkpoint.salt, position: checkpoint.position, data: Self.data)
            #expect(answer != nil)
            #expect(checksum.accepts(answer ?? false, to: checkpoint))
        }
        #expect(checksum.used == 1000)
    }

    /// A holder answers from its parts one after another exactly as from the joined data.
    @Test func answersFromParts() throws {
        let checksum = try Self.checksum()
        let parts = [Array(Self.data[..<1000]), Array(Self.data[1000..<70_000]), Array(Self.data[70_000...])]
        for number in stride(from: 0, to: PrivateChecksum.bitCount, by: 7) {
            let checkpoint = checksum.checkpoint(number)
            #expect(
                GarbledData.answer(salt: checkpoint.salt, position: checkpoint.position, parts: parts)
                    == checksum.expectedBit(number)
            )
        }
        #expect(GarbledData.answer(salt: [1, 2], position: UInt64(Self.data.count) * 8, parts: parts) == nil)
    }

    /// Changing one byte of the data flips the answers of a fresh salt about half the time: every bit
    /// depends on all of it.
    @Test func everyBitDependsOnAllTheData() throws {
        let checksum = try Self.checksum()
        var changed = Self.data
        changed[changed.count - 1] ^= 1
        var differences = 0
        for number in 0..<PrivateChecksum.bitCount {
            let checkpoint = checksum.checkpoint(number)
            if GarbledData.answer(salt: checkpoint.salt, position: checkpoint.position, data: changed)
                != checksum.expectedBit(number)
            {
                differences += 1
            }
        }
        #expect(ProofTestSupport.failureWindow(trials: 1024, pass: .half).contains(UInt64(differences)))
    }

    /// After 1,012 routine checkpoints the checksum asks for renewal; the 12-bit audit reserve remains.
    @Test func renewsAfter1012() throws {
        var checksum = try Self.checksum()
        for _ in 0..<1012 { #expect(checksum.nextCheckpoint() != nil) }
        #expect(checksum.needsRenewal() && checksum.remaining() == 0)
        #expect(checksum.nextCheckpoint() == nil)
        for _ in 0..<12 { #expect(checksum.nextAuditCheckpoint() != nil) }
        #expect(checksum.nextAuditCheckpoint() == nil)
        #expect(checksum.used == 1024)
    }

    /// Holders that kept 0 %, 50 % and 90 % of the bytes but remembered each salt's key (the worst case) are
    /// caught at `(1 − kept) / 2` per checkpoint; holders that lost the bytes before seeing any salt are
    /// caught at 1/2 whatever they kept. 1,000 checkpoints each, within five standard deviations.
    @Test(arguments: [0, 50, 90])
    func cheatersAreCaughtAtPredictedRates(keptPercent: Int) throws {
        let kept = ProofTestSupport.keptIndices(Self.data.count * keptPercent / 100, of: Self.data.count, seed: 5)
        let keptChance = Chance(UInt64(kept.count), over: UInt64(Self.data.count))!
        var damaged = Self.data
        for index in damaged.indices where !kept.contains(index) { damaged[index] = 0 }
        var guesses = SeededGenerator(seed: UInt64(keptPercent))
        var keys: [[UInt8]: Hash256] = [:]
        var checksum = try Self.checksum(seed: 9)
        var remembering = 0
        var forgetting = 0
        for _ in 0..<1000 {
            let next = checksum.nextCheckpoint()
            let checkpoint = try #require(next)
            // Worst case: the key was computed while every byte was there.
            let key = keys[checkpoint.salt] ?? GarbledData.key(salt: checkpoint.salt, data: Self.data)
            keys[checkpoint.salt] = key
            let byte = Int(checkpoint.position / 8)
            let remembered =
                kept.contains(byte)
                ? GarbledData.bit(at: checkpoint.position, key: key, dataByte: damaged[byte])
                : Bool.random(using: &guesses)
            if !checksum.accepts(remembered, to: checkpoint) { remembering += 1 }
            let forgot = GarbledData.answer(salt: checkpoint.salt, position: checkpoint.position, data: damaged)!
            if !checksum.accepts(forgot, to: checkpoint) { forgetting += 1 }
        }
        // Fresh salts (the first 32) pass at 1/2 even for the remembering holder: bound its rate by the mix.
        let reusedPass = PrivateChecksumOdds.pass(kept: keptChance, saltIsFresh: false)
        let freshWindow = ProofTestSupport.failureWindow(trials: 32, pass: .half)
        let reusedWindow = ProofTestSupport.failureWindow(trials: 968, pass: reusedPass)
        let window =
            (freshWindow.lowerBound + reusedWindow.lowerBound)...(freshWindow.upperBound + reusedWindow.upperBound)
        #expect(window.contains(UInt64(remembering)), "\(remembering) failures, expected \(window)")
        #expect(ProofTestSupport.failureWindow(trials: 1000, pass: .half).contains(UInt64(forgetting)))
        if keptPercent == 0 { #expect((400...600).contains(remembering)) }
        if keptPercent == 90 { #expect(remembering < 120) }
    }

    /// An audit of as many checkpoints as the odds ask catches a 90 % holder: over 50 audits of 163
    /// checkpoints (a fresh checksum each), no more survive than the bound allows (1 in 4096 each).
    @Test func auditsCatchA90PercentHolder() throws {
        let data = ProofTestSupport.data(4096, seed: 3)
        let kept = ProofTestSupport.keptIndices(4096 * 9 / 10, of: 4096, seed: 4)
        let checks = try #require(PrivateChecksumOdds.checksNeeded(kept: Chance(9, over: 10)!, confidenceBits: 12))
        #expect(checks == 163)
        var guesses = SeededGenerator(seed: 99)
        var survivors = 0
        for audit in 0..<50 {
            var generator = SeededGenerator(seed: 1000 + UInt64(audit))
            var checksum = try PrivateChecksum.make(data: data, using: &generator)
            var passed = true
            for _ in 0..<checks {
                let next = checksum.nextCheckpoint()
                let checkpoint = try #require(next)
                let byte = Int(checkpoint.position / 8)
                let key = GarbledData.key(salt: checkpoint.salt, data: data)
                let answer =
                    kept.contains(byte)
                    ? GarbledData.bit(at: checkpoint.position, key: key, dataByte: data[byte])
                    : Bool.random(using: &guesses)
                if !checksum.accepts(answer, to: checkpoint) { passed = false }
            }
            if passed { survivors += 1 }
        }
        #expect(
            PrivateChecksumOdds.survival(kept: Chance(9, over: 10)!, checkpoints: 0..<checks).isAtMost(
                oneInTwoToThe: 12
            )
        )
        #expect(survivors <= 1)
    }
}
