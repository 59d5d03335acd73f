import Chain

extension PrivateChecksum {
    /// The salts and positions of a seed: `salt(i)` is the first 16 bytes of
    /// `SHA-256("zenfs pps salt v1" ‖ seed ‖ i)`, and the positions of salt `i` are drawn from
    /// `SHA-256("zenfs pps position v1" ‖ seed ‖ i ‖ slot ‖ attempt)` (8 little-endian bytes as a number),
    /// skipping values that would bias the remainder or repeat a position of the same salt (a repeated pair
    /// would let a holder answer from memory). Every input has one length, so no hash input extends another.
    struct Derivation {
        static let saltDomain = Array("zenfs pps salt v1".utf8)
        static let positionDomain = Array("zenfs pps position v1".utf8)

        let seed: [UInt8]
        /// The number of bits in the data (at least 32).
        let bitLength: UInt64

        func salt(_ index: Int) -> [UInt8] {
            Array(hash(Self.saltDomain, [UInt32(index)], stream: SHA256Stream()).prefix(PrivateChecksum.saltLength))
        }

        /// The 32 distinct positions of salt `index`, in slot order.
        func positions(_ index: Int) -> [UInt64] {
            // Values above `unbiased` would make some remainders likelier than others.
            let unbiased = UInt64.max - (UInt64.max % bitLength + 1) % bitLength
            let stream = SHA256Stream()
            var positions: [UInt64] = []
            positions.reserveCapacity(PrivateChecksum.bitsPerSalt)
            for slot in 0..<PrivateChecksum.bitsPerSalt {
                var attempt: UInt32 = 0
                while true {
                    let digest = hash(Self.positionDomain, [UInt32(index), UInt32(slot), attempt], stream: stream)
                    let value = digest.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    attempt += 1
                    guard value <= unbiased else { continue }
                    let position = value % bitLength
                    guard !positions.contains(position) else { continue }
                    positions.append(position)
                    break
                }
            }
            return positions
        }

        private func hash(_ domain: [UInt8], _ numbers: [UInt32], stream: SHA256Stream) -> [UInt8] {
            stream.update(domain)
            stream.update(seed)
            for number in numbers { withUnsafeBytes(of: number.littleEndian) { stream.update($0) } }
            return stream.finish().bytes
        }
    }
}
