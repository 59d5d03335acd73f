import Chain
import Testing

struct ConsensusTests {
    /// The premine spent in a block, change back, a fee to the miner; reverting restores the ledger exactly.
    @Test func spendAndRevert() throws {
        var chain = try TestChain()
        let premine = TestChain.premineKey
        let friend = try PrivateKey.generate()
        let before = chain.state.unspent
        let (outpoint, _) = chain.coins(of: premine.publicKey)[0]
        let payment = try TestChain.transfer(
            [outpoint],
            from: premine,
            to: [TestChain.pay(.coins(10), to: friend.publicKey), TestChain.pay(.coins(989), to: premine.publicKey)]
        )
        try chain.extend([payment], fees: .coins(1))
        #expect(chain.coins(of: friend.publicKey).map(\.1.output.amount) == [.coins(10)])
        #expect(chain.state.totalCoins == .coins(1000) + .coins(50))
        chain.state.revert(chain.undos.removeLast())
        #expect(chain.state.unspent == before)
        #expect(chain.state.height == 0)
    }

    /// A double spend, in one block or across blocks, is refused.
    @Test func doubleSpend() throws {
        var chain = try TestChain()
        let premine = TestChain.premineKey
        let (outpoint, _) = chain.coins(of: premine.publicKey)[0]
        let first = try TestChain.transfer(
            [outpoint],
            from: premine,
            to: [TestChain.pay(.coins(1000), to: chain.miner.publicKey)]
        )
        let second = try TestChain.transfer(
            [outpoint],
            from: premine,
            to: [TestChain.pay(.coins(999), to: premine.publicKey)]
        )
        #expect(throws: ConsensusError.missingInput(outpoint)) {
            try chain.add(chain.make([first, second], fees: .coins(1)))
        }
        try chain.extend([first])
        #expect(throws: ConsensusError.missingInput(outpoint)) { try chain.add(chain.make([second], fees: .coins(1))) }
    }

    /// Every spending rule: the right key, a valid signature, no value created, mature coinbases only.
    @Test func spendingRules() throws {
        var chain = try TestChain()
        let premine = TestChain.premineKey
        let thief = try PrivateKey.generate()
        let (outpoint, _) = chain.coins(of: premine.publicKey)[0]
        let stolen = try TestChain.transfer(
            [outpoint],
            from: thief,
            to: [TestChain.pay(.coins(1000), to: thief.publicKey)]
        )
        #expect(throws: ConsensusError.wrongKey(input: 0)) { try chain.state.check(stolen) }
        guard
            case .transfer(var inputs, let outputs) = try TestChain.transfer(
                [outpoint],
                from: premine,
                to: [TestChain.pay(.coins(1000), to: thief.publicKey)]
            )
        else { return }
        inputs[0].unlock = .signature(premine.publicKey, try premine.sign([0]))
        #expect(throws: ConsensusError.badSignature(input: 0)) {
            try chain.state.check(.transfer(inputs: inputs, outputs: outputs))
        }
        let inflated = try TestChain.transfer(
            [outpoint],
            from: premine,
            to: [TestChain.pay(.coins(1001), to: premine.publicKey)]
        )
        #expect(throws: ConsensusError.outputsExceedInputs(inputs: .coins(1000), outputs: .coins(1001))) {
            try chain.state.check(inflated)
        }
        let negative = try TestChain.transfer(
            [outpoint],
            from: premine,
            to: [TestChain.pay(Amount(units: -1), to: premine.publicKey)]
        )
        #expect(throws: ConsensusError.negativeOrOversizeAmount) { try chain.state.check(negative) }
        let empty = try TestChain.transfer([outpoint], from: premine, to: [])
        #expect(throws: ConsensusError.emptyTransfer) { try chain.state.check(empty) }

        let block = try chain.extend()
        let reward = OutPoint(transaction: block.transactions[0].id, index: 0)
        let early = try TestChain.transfer(
            [reward],
            from: chain.miner,
            to: [TestChain.pay(.coins(50), to: thief.publicKey)]
        )
        #expect(throws: ConsensusError.immatureCoinbase(reward)) { try chain.state.check(early) }
        try chain.extend()
        try chain.extend()
        #expect(try chain.state.check(early) == .coins(0))
    }

    /// Block rules: proof of work, the required target, time after the median and not far in the future, the
    /// Merkle root, size, the coinbase's place, height and amount.
    @Test func blockRules() throws {
        var chain = try TestChain()
        for _ in 0..<12 { try chain.extend() }

        var unsolved = chain.make([])
        while CompactTarget(bits: unsolved.header.bits)!.isMet(by: unsolved.header.powHash) {
            unsolved.header.nonce += 1
        }
        #expect(throws: ConsensusError.badProofOfWork) { try chain.add(unsolved) }

        let easier = chain.make([], bits: 0x2100_ffff)
        let required = HeaderRules.requiredBits(for: .sha256d, after: chain.headers, parameters: TestChain.parameters)
        #expect(throws: ConsensusError.wrongBits(expected: required, found: 0x2100_ffff)) { try chain.add(easier) }

        let median = HeaderRules.medianTime(of: chain.headers, span: 11)
        let warped = chain.make([], time: median)
        #expect(throws: ConsensusError.timeNotAfterMedian(time: median, median: median)) { try chain.add(warped) }
        let future = chain.make([], time: chain.now + 3 * 3600)
        #expect(throws: ConsensusError.timeTooFarInFuture(time: chain.now + 3 * 3600, now: chain.now)) {
            try chain.add(future)
        }

        var tampered = chain.make([])
        tampered.transactions.append(tampered.transactions[0])
        #expect(throws: ConsensusError.badMerkleRoot) { try chain.state.apply(tampered) }

        let greedy = chain.make([], coinbaseExtra: Amount(units: 1))
        #expect(throws: ConsensusError.coinbaseTooLarge(claimed: .coins(50) + Amount(units: 1), allowed: .coins(50))) {
            try chain.add(greedy)
        }

        // One transaction with 2,500 outputs: past the 64 KiB limit of the test chain.
        let premine = TestChain.premineKey
        let outpoints = chain.coins(of: premine.publicKey).map(\.0)
        let fanOut = try TestChain.transfer(
            outpoints,
            from: premine,
            to: (0..<2500).map { _ in TestChain.pay(Amount(units: 100_000), to: premine.publicKey) }
        )
        let oversize = chain.make([fanOut], fees: .coins(1000) - Amount(units: 2500 * 100_000))
        let size = oversize.encoded.count
        #expect(throws: ConsensusError.oversizeBlock(size: size, limit: 64 << 10)) { try chain.add(oversize) }

        let twice = try TestChain.transfer(
            outpoints,
            from: premine,
            to: [TestChain.pay(.coins(1), to: premine.publicKey)]
        )
        #expect(throws: ConsensusError.duplicateTransaction(twice.id)) { try chain.add(chain.make([twice, twice])) }
        var late = chain.make([])
        late.transactions.append(.coinbase(height: 13, outputs: [TestChain.pay(.coins(1), to: premine.publicKey)]))
        late.header.merkleRoot = Block.merkleRoot(of: late.transactions)
        #expect(throws: ConsensusError.misplacedCoinbase) { try chain.state.apply(late) }
        let wrongHeight = Block(
            header: chain.make([]).header,
            transactions: [.coinbase(height: 99, outputs: [TestChain.pay(.coins(50), to: premine.publicKey)])]
        )
        var fixed = wrongHeight
        fixed.header.merkleRoot = Block.merkleRoot(of: fixed.transactions)
        #expect(throws: ConsensusError.wrongCoinbaseHeight(expected: 13, found: 99)) { try chain.state.apply(fixed) }
        let noCoinbase = Block(header: chain.make([]).header, transactions: [twice])
        var headed = noCoinbase
        headed.header.merkleRoot = Block.merkleRoot(of: headed.transactions)
        #expect(throws: ConsensusError.missingCoinbase) { try chain.state.apply(headed) }
    }

    /// Each algorithm retargets on its own blocks: blocks mined faster than the spacing raise its difficulty
    /// and leave the other algorithm's target alone.
    @Test func multiAlgorithmRetarget() throws {
        var chain = try TestChain()
        var time = chain.now
        for _ in 0..<6 {
            time += 1
            try chain.add(chain.make([], algorithm: .sha256d, time: time), now: time)
        }
        let sha = HeaderRules.requiredBits(for: .sha256d, after: chain.headers, parameters: TestChain.parameters)
        let scrypt = HeaderRules.requiredBits(for: .scrypt, after: chain.headers, parameters: TestChain.parameters)
        #expect(CompactTarget(bits: sha)!.value < TestChain.parameters.powLimit[.sha256d]!.value)
        #expect(scrypt == TestChain.parameters.powLimit[.scrypt]!.bits)
        let block = chain.make([], algorithm: .scrypt, time: time + 1)
        try chain.add(block, now: time + 1)
        #expect(block.header.powHash != block.header.id)
    }
    /// A run of fast blocks raises the difficulty, but gradually: the target scales the window's mean target, so
    /// it does not compound (scaling the newest target would make each fast block four times harder than the
    /// last, 1/65536 of the limit after eight, and a miner whose hash rate then drops waits minutes per block).
    @Test func fastBlocksRaiseTheDifficultyWithoutCompounding() throws {
        var chain = try TestChain()
        var time = chain.now
        let window = TestChain.parameters.retargetWindow
        for _ in 0..<(window + 1 + 8) {
            time += 1
            try chain.add(chain.make([], algorithm: .sha256d, time: time), now: time)
        }
        let limit = TestChain.parameters.powLimit[.sha256d]!.value
        let required = CompactTarget(
            bits: HeaderRules.requiredBits(for: .sha256d, after: chain.headers, parameters: TestChain.parameters)
        )!.value
        #expect(required < limit.divided(by: 16))
        #expect(limit.divided(by: 256) < required)
    }
}
