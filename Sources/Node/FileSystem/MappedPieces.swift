import CMappedGuard
import Glibc

/// A run of consecutive pieces that lie inside one source file, mapped read-only into memory so that hashing and
/// direct writes take the bytes from the page cache without copying them first.
///
/// If another process shortens the file while it is mapped, reading the lost pages would raise SIGBUS; the
/// mapping is registered with `CMappedGuard`, which puts zeros there instead and counts the fault, and
/// `hasFaulted` tells the reader that the bytes it saw are not the file's.
final class MappedPieces: @unchecked Sendable {
    let firstPiece: Int
    let pieceLength: Int
    private let mapping: UnsafeMutableRawPointer
    private let mappingLength: Int
    /// Where the first piece starts inside the mapping (file offsets are mapped from a page boundary).
    private let lead: Int
    private let guardSlot: Int32

    /// Maps `count` bytes of `fd` from `offset`, or nil when the kernel refuses or no guard slot is free.
    init?(fd: Int32, offset: Int64, count: Int, firstPiece: Int, pieceLength: Int) {
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let alignedOffset = offset - offset % page
        let lead = Int(offset - alignedOffset)
        let length = lead + count
        guard
            let address = mmap(nil, length, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, off_t(alignedOffset)),
            address != MAP_FAILED
        else { return nil }
        let slot = zen_mapped_guard_register(address, length)
        guard slot >= 0 else {
            munmap(address, length)
            return nil
        }
        self.mapping = address
        self.mappingLength = length
        self.lead = lead
        self.guardSlot = slot
        self.firstPiece = firstPiece
        self.pieceLength = pieceLength
    }

    /// The bytes of piece `index` (which must lie in this run), `size` long.
    func piece(_ index: Int, size: Int) -> UnsafeRawBufferPointer {
        let start = lead + (index - firstPiece) * pieceLength
        return UnsafeRawBufferPointer(start: mapping + start, count: size)
    }

    /// Whether a read of this mapping found the file shorter than when it was mapped.
    var hasFaulted: Bool { zen_mapped_guard_faults(guardSlot) > 0 }

    deinit {
        zen_mapped_guard_unregister(guardSlot)
        munmap(mapping, mappingLength)
    }
}

extension PieceSource {
    /// Maps the pieces `range` when they all lie inside one file; nil otherwise (the caller then reads them with
    /// `readPiece`).
    func map(_ range: Range<Int>, files: inout SourceDescriptors) throws(StoreError) -> MappedPieces? {
        let start = Int64(range.lowerBound) * Int64(pieceLength)
        let end = Int64(range.upperBound - 1) * Int64(pieceLength) + Int64(size(ofPiece: range.upperBound - 1))
        guard let index = segmentIndex(containing: start), case .file(let path, let length) = segments[index],
            end <= offsets[index] + length
        else { return nil }
        let fd = try files.descriptor(for: path)
        return MappedPieces(
            fd: fd,
            offset: start - offsets[index],
            count: Int(end - start),
            firstPiece: range.lowerBound,
            pieceLength: pieceLength
        )
    }
}
