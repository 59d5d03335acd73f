import Market
import Testing

struct ProofOddsTests {
    /// Products, sums, shifts and differences of large naturals agree with known values.
    @Test func bigNaturals() {
        let twoTo64 = BigNatural(1) << 64
        #expect(twoTo64.description == "18446744073709551616")
        #expect((twoTo64 * twoTo64).description == "340282366920938463463374607431768211456")
        #expect((twoTo64 - BigNatural(1)).uint64Value == UInt64.max)
        #expect((BigNatural(UInt64.max) + BigNatural(1)) == twoTo64)
        #expect(Chance(19, over: 20)!.power(20).numerator.description == "37589973457545958193355601")
        #expect(BigNatural(3) < BigNatural(4) && !(twoTo64 < BigNatural(UInt64.max)))
        #expect((twoTo64 << 3).bitWidth == 68)
    }

    /// Chances compare by value and refuse impossible fractions.
    @Test func chances() {
        #expect(Chance(2, over: 4)! == .half)
        #expect(Chance(3, over: 2) == nil && Chance(0, over: 0) == nil)
        #expect(Chance.half.power(12) == Chance(1, over: 4096)!)
        #expect(Chance.half.power(12).isAtMost(oneInTwoToThe: 12))
        #expect(!Chance.half.power(11).isAtMost(oneInTwoToThe: 12))
        #expect(Chance(9, over: 10)!.halfwayToCertain == Chance(19, over: 20)!)
        #expect(Chance(1, over: 3)!.complement == Chance(2, over: 3)!)
    }

    /// The counts from (1/2)^n and its relatives: 12 guessed bits for 1 in 4096.
    @Test(arguments: [
        (UInt64(1), UInt64(2), 12, 12), (1, 2, 20, 20), (3, 4, 12, 29), (19, 20, 12, 163), (9, 10, 12, 79),
        (0, 1, 12, 1), (1, 2, 0, 0),
    ])
    func checkCounts(numerator: UInt64, denominator: UInt64, bits: Int, expected: Int) {
        let pass = Chance(numerator, over: denominator)!
        #expect(CheckCount.needed(pass: pass, confidenceBits: bits) == expected)
        if expected > 0 {
            #expect(CheckCount.survival(pass: pass, checks: expected).isAtMost(oneInTwoToThe: bits))
            #expect(!CheckCount.survival(pass: pass, checks: expected - 1).isAtMost(oneInTwoToThe: bits))
        }
    }

    /// A check that always passes never builds confidence.
    @Test func certainPassNeedsNoCount() {
        #expect(CheckCount.needed(pass: .certain, confidenceBits: 12) == nil)
        #expect(CheckCount.needed(pass: Chance(9999, over: 10000)!, confidenceBits: 12) == nil)
    }

    /// The RFC's renewal rule: 1024 − log2(4096) = 1012 routine checkpoints, 12 in reserve.
    @Test func renewalRule() {
        #expect(RenewalRule.rfc.reserve == 12)
        #expect(RenewalRule.rfc.routineChecks == 1012)
        #expect(RenewalRule(confidenceBits: 20)?.routineChecks == 1004)
        #expect(RenewalRule(confidenceBits: 0) == nil && RenewalRule(confidenceBits: 1024) == nil)
    }

    /// The private checksum's odds: a guess at a fresh salt, `(1 + kept) / 2` at a salt already asked.
    @Test func privateOdds() {
        let ninety = Chance(9, over: 10)!
        #expect(PrivateChecksumOdds.pass(kept: ninety, saltIsFresh: true) == .half)
        #expect(PrivateChecksumOdds.pass(kept: ninety, saltIsFresh: false) == Chance(19, over: 20)!)
        #expect(PrivateChecksumOdds.pass(kept: .certain, saltIsFresh: true) == .certain)
        #expect(PrivateChecksumOdds.checksNeeded(kept: .zero, confidenceBits: 12) == 12)
        #expect(PrivateChecksumOdds.checksNeeded(kept: .half, confidenceBits: 12) == 29)
        #expect(PrivateChecksumOdds.checksNeeded(kept: ninety, confidenceBits: 12) == 163)
        let survival = PrivateChecksumOdds.survival(kept: ninety, checkpoints: 30..<40)
        #expect(survival == Chance.half.power(2) * Chance(19, over: 20)!.power(8))
    }

    /// Merkle odds: exact survival of distinct leaves, bounded by kept^count.
    @Test func merkleOdds() {
        #expect(MerkleOdds.survival(keptLeaves: 5, totalLeaves: 10, leaves: 2) == Chance(2, over: 9)!)
        #expect(MerkleOdds.survival(keptLeaves: 0, totalLeaves: 10, leaves: 1) == .zero)
        #expect(MerkleOdds.leavesNeeded(kept: Chance(9, over: 10)!, confidenceBits: 12) == 79)
        #expect(MerkleOdds.leavesNeeded(kept: .half, confidenceBits: 12) == 12)
        #expect(MerkleOdds.leavesNeeded(kept: .zero, confidenceBits: 12) == 1)
        let exact = MerkleOdds.survival(keptLeaves: 921, totalLeaves: 1024, leaves: 79)
        #expect(exact.isAtMost(Chance(921, over: 1024)!.power(79)))
        #expect(exact.isAtMost(oneInTwoToThe: 12))
    }
}
