import ZenFS

/// The bytes of one web-seed response: a run of a torrent's stream, read chunk by chunk from the parts that
/// hold it, so a response of any length needs only the chunk being read and the one being sent.
public struct WebSeedBody: Sendable {
    let store: ElementStore
    let fetch: @Sendable (SHA1Digest) -> Bool
    let info: MetainfoInfo
    /// Where the run starts in the torrent's stream.
    let start: Int64
    /// How many bytes the response carries.
    public let length: Int64

    /// How many bytes are read and sent at a time.
    public static let chunkSize = 256 << 10

    /// The size of the chunk that starts at `offset` (from the start of the run).
    public func chunkLength(at offset: Int64) -> Int {
        Int(min(Int64(Self.chunkSize), length - offset))
    }

    /// Fills `buffer` with the run's bytes from `offset` on, fetching parts that are not local; false when a
    /// part cannot be had (not stored, not fetched, or unreadable). Blocks: call it off the event loop.
    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var done = 0
        let pieceLength = Int64(info.pieceLength)
        while done < buffer.count {
            let position = start + offset + Int64(done)
            let piece = Int(position / pieceLength)
            let within = position % pieceLength
            let count = min(buffer.count - done, Int(pieceLength - within))
            guard piece < info.pieces.count else { return false }
            let hash = info.pieces[piece]
            if !store.contains(hash), !fetch(hash) { return false }
            do throws(StoreError) {
                try store.read(
                    hash,
                    at: within,
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[done..<done + count])
                )
            } catch {
                return false
            }
            done += count
        }
        return true
    }

    /// The whole run in memory (tests and small answers).
    func readAll() -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let ok = bytes.withUnsafeMutableBytes { buffer in read(at: 0, into: buffer) }
        return ok ? bytes : nil
    }
}
