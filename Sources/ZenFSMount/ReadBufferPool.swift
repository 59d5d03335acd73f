import Node

/// Reusable read buffers for FUSE replies. A fresh 128 KiB+ allocation per read is an `mmap` and `munmap` (page
/// faults and TLB shootdowns on every request); reusing a few buffers avoids both.
final class ReadBufferPool: Sendable {
    static let shared = ReadBufferPool()
    /// The largest read the mount negotiates (`max_pages` follows `max_write`).
    static let capacity = 1 << 20
    /// Addresses of free buffers of `capacity` bytes (kept as integers: pointers are not `Sendable`).
    private let free = Locked<[UInt]>([])

    /// Runs `body` with a buffer of at least `size` bytes.
    func withBuffer<T>(size: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> T) rethrows -> T {
        if size > Self.capacity {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096)
            defer { buffer.deallocate() }
            return try body(buffer)
        }
        let buffer: UnsafeMutableRawBufferPointer
        if let address = free.withLock({ $0.popLast() }) {
            buffer = UnsafeMutableRawBufferPointer(
                start: UnsafeMutableRawPointer(bitPattern: address),
                count: Self.capacity
            )
        } else {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.capacity, alignment: 4096)
        }
        let address = UInt(bitPattern: buffer.baseAddress)
        defer { free.withLock { $0.append(address) } }
        return try body(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size]))
    }
}
