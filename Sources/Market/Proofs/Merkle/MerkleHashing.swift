import Chain

/// The tree rules, as in RFC 6962 (Certificate Transparency): a leaf hashes as `SHA-256(0x00 ‖ bytes)`, a node
/// as `SHA-256(0x01 ‖ left ‖ right)`, so no leaf can pose as a node. Levels are built bottom-up, pairing
/// neighbours; an odd last node moves up unchanged — the same root as RFC 6962's split at the largest power
/// of two below the count. A path lists the siblings from the leaf up, skipping levels where the node moved
/// up alone.
enum MerkleHashing {
    static func leafHash(_ bytes: ArraySlice<UInt8>, stream: SHA256Stream) -> Hash256 {
        stream.update(UInt8(0))
        stream.update(bytes)
        return stream.finish()
    }

    static func nodeHash(_ left: Hash256, _ right: Hash256, stream: SHA256Stream) -> Hash256 {
        stream.update(UInt8(1))
        stream.update(left.bytes)
        stream.update(right.bytes)
        return stream.finish()
    }

    /// Every level from the leaves (first) to the root (last, one hash).
    static func levels(leaves: [Hash256], stream: SHA256Stream) -> [[Hash256]] {
        precondition(!leaves.isEmpty, "a tree needs a leaf")
        var levels = [leaves]
        while let top = levels.last, top.count > 1 {
            var next: [Hash256] = []
            next.reserveCapacity((top.count + 1) / 2)
            var index = 0
            while index + 1 < top.count {
                next.append(nodeHash(top[index], top[index + 1], stream: stream))
                index += 2
            }
            if index < top.count { next.append(top[index]) }
            levels.append(next)
        }
        return levels
    }

    /// The siblings of node `index` of the bottom level, from the bottom up.
    static func path(levels: [[Hash256]], index: Int) -> [Hash256] {
        var path: [Hash256] = []
        var position = index
        for level in levels.dropLast() {
            let sibling = position ^ 1
            if sibling < level.count { path.append(level[sibling]) }
            position >>= 1
        }
        return path
    }

    /// The root a path leads to from node `index` of `count` at the bottom; nil when the path has more or
    /// fewer siblings than that position has.
    static func root(from hash: Hash256, index: UInt64, count: UInt64, path: [Hash256]) -> Hash256? {
        guard index < count else { return nil }
        let stream = SHA256Stream()
        var node = hash
        var position = index
        var width = count
        var used = 0
        while width > 1 {
            let sibling = position ^ 1
            if sibling < width {
                guard used < path.count else { return nil }
                node =
                    position & 1 == 0
                    ? nodeHash(node, path[used], stream: stream) : nodeHash(path[used], node, stream: stream)
                used += 1
            }
            position >>= 1
            width = (width + 1) / 2
        }
        return used == path.count ? node : nil
    }
}
