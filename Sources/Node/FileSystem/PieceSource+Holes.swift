import Glibc
import Synchronization
import ZenFS

extension PieceSource {
    /// Linux's `lseek` kinds (Glibc exports them only to `_GNU_SOURCE` code).
    static let seekData: Int32 = 3
    static let seekHole: Int32 = 4

    /// Which pieces of `range` hold no data, one flag per piece: every byte lies in padding or in a hole of its
    /// source file (as `lseek` with `SEEK_DATA`/`SEEK_HOLE` finds them), so the piece is all zeros and need not be
    /// read. Two calls per source file in the range when it has no holes; a filesystem that knows nothing of holes
    /// reports all data.
    func emptyPieces(_ range: Range<Int>, files: inout SourceDescriptors) throws(StoreError) -> [Bool] {
        guard !range.isEmpty else { return [] }
        let runStart = Int64(range.lowerBound) * Int64(pieceLength)
        let runEnd = Int64(range.upperBound - 1) * Int64(pieceLength) + Int64(size(ofPiece: range.upperBound - 1))
        // Stretches of the stream that hold data, in order.
        var data: [Range<Int64>] = []
        guard var segment = segmentIndex(containing: runStart) else {
            return Array(repeating: false, count: range.count)
        }
        while segment < segments.count && offsets[segment] < runEnd {
            defer { segment += 1 }
            guard case .file(let path, let length) = segments[segment], length > 0 else { continue }
            let origin = offsets[segment]
            let end = min(runEnd - origin, length)
            var position = max(0, runStart - origin)
            let fd = try files.descriptor(for: path)
            while position < end {
                let found = lseek(fd, off_t(position), Self.seekData)
                if found < 0 {
                    // ENXIO: nothing but holes from here to the end of the file. Anything else: count it as data.
                    if errno != ENXIO { data.append((origin + position)..<(origin + end)) }
                    break
                }
                if found >= end { break }
                let holeAt = lseek(fd, found, Self.seekHole)
                let dataEnd = holeAt < 0 ? end : min(end, Int64(holeAt))
                data.append((origin + Int64(found))..<(origin + max(Int64(found) + 1, dataEnd)))
                position = max(Int64(found) + 1, dataEnd)
            }
        }
        var empty: [Bool] = []
        empty.reserveCapacity(range.count)
        var next = 0
        for index in range {
            let start = Int64(index) * Int64(pieceLength)
            let end = start + Int64(size(ofPiece: index))
            while next < data.count && data[next].upperBound <= start { next += 1 }
            empty.append(next == data.count || data[next].lowerBound >= end)
        }
        return empty
    }
}

/// The all-zero pieces of one ingest: their hash per length, computed once, and whether one of each length has
/// been handed to the writers yet (one element serves every such piece).
final class ZeroPieces: @unchecked Sendable {
    /// `pieceLength` zeros, aligned for direct writes.
    let bytes: UnsafeMutableRawBufferPointer
    private let known = Mutex<(hashes: [Int: SHA1Digest], staged: Set<Int>)>(([:], []))

    init(pieceLength: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(1, pieceLength),
            alignment: Posix.directIOAlignment
        )
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// The hash of `length` zeros.
    func hash(length: Int) -> SHA1Digest {
        if let hash = known.withLock({ $0.hashes[length] }) { return hash }
        let hash = SHA1Digest.of(UnsafeRawBufferPointer(rebasing: bytes[0..<length]))
        known.withLock { $0.hashes[length] = hash }
        return hash
    }

    /// Whether this is the first zero piece of `length` to be written (later ones share its element).
    func claimWrite(length: Int) -> Bool {
        known.withLock { $0.staged.insert(length).inserted }
    }

    deinit { bytes.deallocate() }
}
