import Foundation

/// Page-aligned piece buffers reused across pieces: a fresh 256 KiB allocation per piece would cost a mapping
/// and its page faults every time.
final class PieceBufferPool: @unchecked Sendable {
    let pieceLength: Int
    private let lock = NSLock()
    private var free: [UnsafeMutableRawBufferPointer] = []

    init(pieceLength: Int) {
        self.pieceLength = pieceLength
    }

    /// A buffer of `pieceLength` bytes; it goes back to the pool when the returned object is released.
    func take() -> PieceBuffer {
        let reused = lock.withLock { free.popLast() }
        let bytes =
            reused ?? UnsafeMutableRawBufferPointer.allocate(byteCount: pieceLength, alignment: Posix.directIOAlignment)
        return PieceBuffer(bytes: bytes, pool: self)
    }

    fileprivate func giveBack(_ bytes: UnsafeMutableRawBufferPointer) {
        lock.withLock { free.append(bytes) }
    }

    deinit {
        for buffer in free { buffer.deallocate() }
    }
}

/// A buffer lent by a `PieceBufferPool`, returned to it when released.
final class PieceBuffer: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    private let pool: PieceBufferPool

    fileprivate init(bytes: UnsafeMutableRawBufferPointer, pool: PieceBufferPool) {
        self.bytes = bytes
        self.pool = pool
    }

    deinit {
        pool.giveBack(bytes)
    }
}
