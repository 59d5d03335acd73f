import Chain
import Market
import Testing

struct ChannelStateTests {
    static let payer = try! PrivateKey.generate()
    static let payee = try! PrivateKey.generate()
    static let channel = OutPoint(transaction: Hash256.sha256([7]), index: 0)
    static let terms = ChannelTerms(payer: payer.publicKey, payee: payee.publicKey, expiry: 500)

    static func signed(_ units: Int64, by key: PrivateKey = payer, channel: OutPoint = channel) throws -> Signature {
        try key.signChannelState(channel: channel, payeeAmount: Amount(units: units))
    }

    @Test func acceptsRisingStatesAndRefusesTheRest() throws {
        var payee = PayeeChannel(channel: Self.channel, terms: Self.terms, funding: Amount(units: 1000), openedAt: 0)
        try payee.receive(amount: Amount(units: 100), signature: try Self.signed(100), now: 10)
        #expect(payee.latestAmount == Amount(units: 100) && payee.lastPaidAt == 10)
        #expect(throws: ChannelStateError.replayed(Amount(units: 100))) {
            try payee.receive(amount: Amount(units: 100), signature: try Self.signed(100), now: 11)
        }
        try payee.receive(amount: Amount(units: 250), signature: try Self.signed(250), now: 20)
        #expect(throws: ChannelStateError.lowered(Amount(units: 100), latest: Amount(units: 250))) {
            try payee.receive(amount: Amount(units: 100), signature: try Self.signed(100), now: 21)
        }
        #expect(throws: ChannelStateError.overFunded(Amount(units: 1001), funding: Amount(units: 1000))) {
            try payee.receive(amount: Amount(units: 1001), signature: try Self.signed(1001), now: 22)
        }
        // Signed by someone else, or for another channel, or for another amount than claimed.
        #expect(throws: ChannelStateError.forged) {
            try payee.receive(amount: Amount(units: 300), signature: try Self.signed(300, by: Self.payee), now: 23)
        }
        let other = OutPoint(transaction: Hash256.sha256([8]), index: 0)
        #expect(throws: ChannelStateError.forged) {
            try payee.receive(amount: Amount(units: 300), signature: try Self.signed(300, channel: other), now: 23)
        }
        #expect(throws: ChannelStateError.forged) {
            try payee.receive(amount: Amount(units: 301), signature: try Self.signed(300), now: 23)
        }
        #expect(payee.latestAmount == Amount(units: 250) && payee.lastPaidAt == 20)
    }

    /// A payer owes what was owed one interval ago: paying that on time is never late, however fast usage
    /// grows; once the best state stays below it for longer than the grace, the payer is late.
    @Test func latenessWithFakeClock() {
        var watch = PaymentWatch(intervalSeconds: 10, slack: Amount(units: 2))
        // Usage grows 100 units a second; the payer pays every 10 s what was owed at its last payout.
        var paid = Amount(units: 0)
        for second in Int64(0)...60 {
            if second % 10 == 0 { paid = Amount(units: 100 * second) }
            watch.observe(paid: paid, owed: Amount(units: 100 * second), now: second)
            #expect(!watch.isLate(now: second, graceSeconds: 3), "second \(second)")
        }
        // The payer stops: from second 71 the state (6000) is below what was owed at 61 (6100).
        for second in Int64(61)...74 {
            watch.observe(paid: paid, owed: Amount(units: 100 * second), now: second)
        }
        #expect(watch.dueSince == 71)
        #expect(!watch.isLate(now: 74, graceSeconds: 3))
        watch.observe(paid: paid, owed: Amount(units: 7500), now: 75)
        #expect(watch.isLate(now: 75, graceSeconds: 3))
        // It pays again: no longer late.
        watch.observe(paid: Amount(units: 7500), owed: Amount(units: 7600), now: 76)
        #expect(!watch.isLate(now: 76, graceSeconds: 3))
    }

    /// Nothing new owed: never late, however long the silence.
    @Test func quietIsNeverLate() {
        var watch = PaymentWatch(intervalSeconds: 5, slack: Amount(units: 0))
        for second in Int64(0)...1000 { watch.observe(paid: Amount(units: 40), owed: Amount(units: 40), now: second) }
        #expect(!watch.isLate(now: 1000, graceSeconds: 1))
    }

    /// The payer signs the charge plus the close fee, never past the funds, and says when it runs out.
    @Test func payerDecisions() {
        var payer = PayerChannel(channel: Self.channel, funding: Amount(units: 1000), closeFee: Amount(units: 10))
        #expect(payer.decide(charge: Amount(units: 0)) == .sign(Amount(units: 10), exhausted: false))
        payer.signed(Amount(units: 10))
        #expect(payer.decide(charge: Amount(units: 0)) == .nothingNew)
        #expect(
            payer.decide(charge: Amount(units: 400), ahead: Amount(units: 50))
                == .sign(Amount(units: 460), exhausted: false)
        )
        payer.signed(Amount(units: 460))
        #expect(payer.paidCharge == Amount(units: 450))
        #expect(payer.remaining == Amount(units: 540))
        #expect(payer.decide(charge: Amount(units: 995)) == .sign(Amount(units: 1000), exhausted: true))
        payer.signed(Amount(units: 1000))
        #expect(payer.decide(charge: Amount(units: 995)) == .exhausted)
    }
}
