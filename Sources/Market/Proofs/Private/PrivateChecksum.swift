import Chain

/// What an owner keeps to check, without the data, that a holder still has a run of data (a part, or the
/// parts a holder keeps, as the node chooses): the RFC's private checksum.
///
/// 32 salts, and under each 32 distinct bit positions of the garbled data (see `GarbledData`), with the bit
/// found at each: 1,024 one-bit checks. The salts and positions are not stored: they are derived from a
/// 32-byte secret `seed` drawn from the caller's generator, so the whole state is the seed, the data's length,
/// the count of bits used and the 1,024 expected bits — 170 bytes (`encoded`), whatever the data's size.
/// Making it reads the data 32 times (one pass per salt).
public struct PrivateChecksum: Hashable, Sendable {
    public static let saltCount = 32
    public static let bitsPerSalt = 32
    /// The checks one checksum holds: 1,024.
    public static let bitCount = saltCount * bitsPerSalt
    /// The length of each salt sent to a holder (the RFC's two bytes or more).
    public static let saltLength = 16
    public static let seedLength = 32

    /// The secret the salts and positions derive from; never sent.
    public let seed: [UInt8]
    /// The length of the data, in bytes.
    public let dataLength: UInt64
    /// The expected bits, checkpoint `k` at bit `k % 8` of byte `k / 8`.
    public let expectedBits: [UInt8]
    /// How many checkpoints were drawn so far.
    public private(set) var used: Int

    /// Derives the checksum of `data` with a seed drawn from `generator` (the node passes the system's
    /// generator: the seed is the owner's only secret).
    public static func make(
        data: [UInt8],
        using generator: inout some RandomNumberGenerator
    ) throws(PrivateChecksumError) -> PrivateChecksum {
        guard data.count >= 4 else { throw .dataTooSmall(byteCount: data.count) }
        var seed: [UInt8] = []
        while seed.count < seedLength {
            withUnsafeBytes(of: generator.next().littleEndian) { seed.append(contentsOf: $0) }
        }
        return try make(data: data, seed: seed)
    }

    /// Derives the checksum of `data` from a given seed (32 bytes).
    public static func make(data: [UInt8], seed: [UInt8]) throws(PrivateChecksumError) -> PrivateChecksum {
        guard seed.count == seedLength else { throw .badSeed(byteCount: seed.count) }
        guard data.count >= 4 else { throw .dataTooSmall(byteCount: data.count) }
        let derivation = Derivation(seed: seed, bitLength: UInt64(data.count) * 8)
        var bits = [UInt8](repeating: 0, count: bitCount / 8)
        for saltIndex in 0..<saltCount {
            let key = GarbledData.key(salt: derivation.salt(saltIndex), data: data)
            for (slot, position) in derivation.positions(saltIndex).enumerated() {
                let number = slot * saltCount + saltIndex
                if GarbledData.bit(at: position, key: key, dataByte: data[Int(position / 8)]) {
                    bits[number / 8] |= 1 << UInt8(number % 8)
                }
            }
        }
        return PrivateChecksum(seed: seed, dataLength: UInt64(data.count), expectedBits: bits, used: 0)
    }

    init(seed: [UInt8], dataLength: UInt64, expectedBits: [UInt8], used: Int) {
        self.seed = seed
        self.dataLength = dataLength
        self.expectedBits = expectedBits
        self.used = used
    }

    /// Checks left before the rule asks for renewal.
    public func remaining(rule: RenewalRule = .rfc) -> Int { max(0, rule.routineChecks - used) }

    /// True once routine checks have used up what the rule allows: time to download and derive a new one.
    public func needsRenewal(rule: RenewalRule = .rfc) -> Bool { used >= rule.routineChecks }

    /// Checkpoint `number` (0 ..< 1,024): salt `number % 32`, its position `number / 32`.
    public func checkpoint(_ number: Int) -> PrivateCheckpoint {
        precondition((0..<Self.bitCount).contains(number), "a checksum has 1,024 checkpoints")
        let derivation = Derivation(seed: seed, bitLength: dataLength * 8)
        let saltIndex = number % Self.saltCount
        return PrivateCheckpoint(
            number: number,
            saltIndex: saltIndex,
            salt: derivation.salt(saltIndex),
            position: derivation.positions(saltIndex)[number / Self.saltCount]
        )
    }

    /// The next routine checkpoint, or nil once the rule's routine checks are used (renew then).
    public mutating func nextCheckpoint(rule: RenewalRule = .rfc) -> PrivateCheckpoint? {
        guard used < rule.routineChecks else { return nil }
        defer { used += 1 }
        return checkpoint(used)
    }

    /// The next checkpoint from anything left, the audit reserve included; nil when all 1,024 are used.
    public mutating func nextAuditCheckpoint() -> PrivateCheckpoint? {
        guard used < Self.bitCount else { return nil }
        defer { used += 1 }
        return checkpoint(used)
    }

    /// The bit an honest holder answers to checkpoint `number`.
    public func expectedBit(_ number: Int) -> Bool {
        expectedBits[number / 8] >> UInt8(number % 8) & 1 == 1
    }

    /// True when `answer` is the right bit for `checkpoint`.
    public func accepts(_ answer: Bool, to checkpoint: PrivateCheckpoint) -> Bool {
        answer == expectedBit(checkpoint.number)
    }
}
