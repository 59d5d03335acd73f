import Chain

/// The RFC's "garbled version" of a run of data under one salt, which owner and holder both compute.
///
/// The garbled data is as long as the data: byte `i` is `data[i] XOR stream[i]`, where the stream is
/// SHA-256 in counter mode keyed by `key = SHA-256("zenfs pps garble v1" ‖ salt length ‖ salt ‖ data)`
/// (block `b` of the stream is `SHA-256(key ‖ b as 8 little-endian bytes)`). Bit `p` is bit `p % 8` (lowest
/// first) of byte `p / 8`.
///
/// Why this shape: every bit depends on all of the data through `key`, so answering a bit under a salt not
/// seen before needs one read of the whole run; the salt comes *before* the data, so no hash state over the
/// data can be kept in advance (with the RFC's salt appended, a holder could keep SHA-256's 32-byte state
/// after the data and drop the data); and the bit also depends on the data byte it covers, so a holder that
/// remembered `key` for a salt it was already asked still needs that byte.
public enum GarbledData {
    static let domain = Array("zenfs pps garble v1".utf8)

    /// The key of the garbled data: one pass over all of `data`.
    public static func key(salt: [UInt8], data: [UInt8]) -> Hash256 { key(salt: salt, parts: [data]) }

    /// The key of the garbled data whose bytes are `parts` one after another (a holder's parts, not joined).
    public static func key(salt: [UInt8], parts: [[UInt8]]) -> Hash256 {
        let stream = SHA256Stream()
        stream.update(domain)
        stream.update(UInt8(truncatingIfNeeded: salt.count))
        stream.update(salt)
        for part in parts { stream.update(part) }
        return stream.finish()
    }

    /// Bit `position` of the garbled data whose key is `key`, given the data byte it covers
    /// (`data[position / 8]`).
    public static func bit(at position: UInt64, key: Hash256, dataByte: UInt8) -> Bool {
        let byteIndex = position / 8
        var block = key.bytes
        withUnsafeBytes(of: (byteIndex / 32).littleEndian) { block.append(contentsOf: $0) }
        let stream = Hash256.sha256(block).bytes[Int(byteIndex % 32)]
        return (dataByte ^ stream) >> UInt8(position % 8) & 1 == 1
    }

    /// What an honest holder answers to a checkpoint: bit `position` of the garbled `data` under `salt`;
    /// nil when the position lies past the data.
    public static func answer(salt: [UInt8], position: UInt64, data: [UInt8]) -> Bool? {
        guard position / 8 < UInt64(data.count) else { return nil }
        return bit(at: position, key: key(salt: salt, data: data), dataByte: data[Int(position / 8)])
    }

    /// The same answer when the data is `parts` one after another.
    public static func answer(salt: [UInt8], position: UInt64, parts: [[UInt8]]) -> Bool? {
        var byte = position / 8
        for part in parts {
            if byte < UInt64(part.count) {
                return bit(at: position, key: key(salt: salt, parts: parts), dataByte: part[Int(byte)])
            }
            byte -= UInt64(part.count)
        }
        return nil
    }
}
