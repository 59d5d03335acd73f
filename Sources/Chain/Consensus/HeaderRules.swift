/// The headers before a new block on its own branch, as header rules need them.
public protocol HeaderAncestry {
    /// The height of the new block's parent.
    var parentHeight: Int { get }
    /// The header at `height` on this branch (0 … parentHeight).
    func header(atHeight height: Int) -> BlockHeader?
}

/// The rules a header must meet given its ancestors and the validating node's clock: its algorithm's
/// required target (each algorithm retargets on its own blocks), work meeting it, a time after the median of
/// the last blocks and not too far in the future.
public enum HeaderRules {
    /// The target a block of `algorithm` must carry after `ancestry`.
    public static func requiredBits(
        for algorithm: PowAlgorithm,
        after ancestry: some HeaderAncestry,
        parameters: ChainParameters
    ) -> UInt32 {
        let limit = parameters.powLimit[algorithm]!
        var found: [BlockHeader] = []
        var height = ancestry.parentHeight
        let scanLimit = parameters.retargetWindow * PowAlgorithm.allCases.count * 8
        var scanned = 0
        while height >= 1, found.count <= parameters.retargetWindow, scanned < scanLimit {
            if let header = ancestry.header(atHeight: height), header.algorithm == algorithm { found.append(header) }
            height -= 1
            scanned += 1
        }
        guard found.count > parameters.retargetWindow, let newest = found.first, let oldest = found.last
        else { return limit.bits }
        let expected =
            UInt64(parameters.retargetWindow) * parameters.blockSpacing
            * UInt64(PowAlgorithm.allCases.count)
        let actual = min(max(newest.time > oldest.time ? newest.time - oldest.time : 1, expected / 4), expected * 4)
        var target = meanTarget(of: found.dropLast()).divided(by: expected).multiplied(by: actual)
        if limit.value < target { target = limit.value }
        return CompactTarget.compact(for: target)?.bits ?? limit.bits
    }

    /// The mean target of the window's blocks. The new target scales the mean, not the newest block's target:
    /// scaling the newest would compound over a sliding window (every fast block four times harder than the
    /// last, then minutes without a block once the hash rate drops).
    static func meanTarget(of headers: ArraySlice<BlockHeader>) -> UInt256 {
        let count = UInt64(max(1, headers.count))
        return headers.reduce(UInt256.zero) { sum, header in
            sum + (CompactTarget(bits: header.bits)?.value ?? .zero).divided(by: count)
        }
    }

    /// The median time of the last `medianTimeSpan` blocks up to the parent.
    public static func medianTime(of ancestry: some HeaderAncestry, span: Int) -> UInt64 {
        var times: [UInt64] = []
        var height = ancestry.parentHeight
        while height >= 0, times.count < span {
            if let header = ancestry.header(atHeight: height) { times.append(header.time) }
            height -= 1
        }
        times.sort()
        return times.isEmpty ? 0 : times[times.count / 2]
    }

    /// Checks `header` as the child of `ancestry`'s tip at clock time `now` (seconds since 1970).
    public static func check(
        _ header: BlockHeader,
        after ancestry: some HeaderAncestry,
        parameters: ChainParameters,
        now: UInt64
    ) throws(ConsensusError) {
        let required = requiredBits(for: header.algorithm, after: ancestry, parameters: parameters)
        guard header.bits == required else { throw .wrongBits(expected: required, found: header.bits) }
        guard let target = CompactTarget(bits: header.bits), target.isMet(by: header.powHash) else {
            throw .badProofOfWork
        }
        let median = medianTime(of: ancestry, span: parameters.medianTimeSpan)
        guard header.time > median else { throw .timeNotAfterMedian(time: header.time, median: median) }
        guard header.time <= now + parameters.maximumFutureSeconds else {
            throw .timeTooFarInFuture(time: header.time, now: now)
        }
    }

    /// The work a header proves (what fork choice adds up).
    public static func work(of header: BlockHeader) -> UInt256 {
        CompactTarget(bits: header.bits)?.work ?? .zero
    }
}

/// Headers held in an array, index = height: the main chain's headers, or a branch assembled for a reorg.
public struct HeaderList: HeaderAncestry, Sendable {
    public var headers: [BlockHeader]

    public init(_ headers: [BlockHeader] = []) { self.headers = headers }

    public var parentHeight: Int { headers.count - 1 }

    public func header(atHeight height: Int) -> BlockHeader? {
        headers.indices.contains(height) ? headers[height] : nil
    }
}

/// Finds a nonce for a header (the development miner and the tests use it).
public enum Miner {
    /// Tries `attempts` nonces; returns the header that meets its target, or nil.
    public static func solve(_ header: BlockHeader, attempts: UInt64 = .max) -> BlockHeader? {
        guard let target = CompactTarget(bits: header.bits) else { return nil }
        var bytes = header.encoded
        let nonceOffset = 80  // version 4, previous 32, Merkle root 32, time 8, bits 4
        let hasher = DoubleSHA256()
        var nonce = header.nonce
        var tried: UInt64 = 0
        while tried < attempts {
            for index in 0..<8 { bytes[nonceOffset + index] = UInt8(truncatingIfNeeded: nonce >> (8 * UInt64(index))) }
            let met: Bool
            switch header.algorithm {
            case .sha256d:
                bytes.withUnsafeBytes { hasher.hash($0) }
                met = hasher.digestMeets(target.expanded)
            case .scrypt:
                met = target.isMet(by: header.algorithm.hash(bytes))
            }
            if met {
                var solved = header
                solved.nonce = nonce
                return solved
            }
            nonce &+= 1
            tried += 1
        }
        return nil
    }
}
