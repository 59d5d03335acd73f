import Foundation
import Node
import Synchronization
import ZenFS

/// Brings one part of a content into the local store (from the node's holders); true when it is there.
public typealias PartFetcher = @Sendable (_ part: SHA1Digest, _ content: SHA1Digest) async -> Bool

/// Reads byte ranges of a file of a metainfo from the store, fetching the parts it lacks: the part under the
/// reader's position first (it waits for that one), and a window of the next parts in the background so a
/// player finds them local by the time it asks. A seek just starts a new window at the new position.
public final class ContentReader: Sendable {
    public let data: DataDirectory
    private let fetch: PartFetcher
    /// Parts fetched ahead of the reader.
    public let window: Int
    private let inFlight = Mutex<Set<SHA1Digest>>([])

    public init(data: DataDirectory, window: Int = 8, fetch: @escaping PartFetcher) {
        self.data = data
        self.window = window
        self.fetch = fetch
    }

    /// Why a read failed.
    public enum ReadError: Error, CustomStringConvertible {
        case unavailable(part: Int)
        public var description: String {
            switch self {
            case .unavailable(let part): "part \(part) is on no reachable holder"
            }
        }
    }

    /// The file of `metainfo` at `path` (its components inside the folder, or the name of a single file).
    public static func file(_ metainfo: Metainfo, path: String) -> MetainfoFile? {
        let info = metainfo.info
        if !info.isMultiFile { return path == info.name ? info.files.first : nil }
        return info.files.first { !$0.isPad && $0.joinedPath == path }
    }

    /// Calls `body` with the bytes of `range` of `file`, in order, one part's worth at most at a time.
    public func read(
        _ metainfo: Metainfo,
        file: MetainfoFile,
        range: Range<Int64>,
        body: ([UInt8]) async throws -> Void
    ) async throws {
        let info = metainfo.info
        let pieceLength = Int64(info.pieceLength)
        var position = file.offset + range.lowerBound
        let end = file.offset + range.upperBound
        while position < end {
            let index = Int(position / pieceLength)
            prefetch(metainfo, after: index)
            let part = try await partBytes(metainfo, index: index)
            let start = Int(position - Int64(index) * pieceLength)
            let stop = Int(min(Int64(part.count), end - Int64(index) * pieceLength))
            guard start < stop else { throw ReadError.unavailable(part: index) }
            try await body(Array(part[start..<stop]))
            position += Int64(stop - start)
        }
    }

    /// A whole small file (a playlist, the metadata), at most `limit` bytes.
    public func contents(_ metainfo: Metainfo, path: String, limit: Int64 = 1 << 20) async throws -> [UInt8]? {
        guard let file = Self.file(metainfo, path: path), file.length <= limit else { return nil }
        var bytes: [UInt8] = []
        try await read(metainfo, file: file, range: 0..<file.length) { bytes += $0 }
        return bytes
    }

    /// Whether every part of `metainfo` is in the store.
    public func isComplete(_ metainfo: Metainfo) -> Bool {
        metainfo.info.pieces.allSatisfy { data.store.contains($0) }
    }

    private func partBytes(_ metainfo: Metainfo, index: Int) async throws -> [UInt8] {
        guard index >= 0, index < metainfo.info.pieces.count else { throw ReadError.unavailable(part: index) }
        let hash = metainfo.info.pieces[index]
        let size = metainfo.info.size(ofPiece: index)
        if let bytes = try? data.store.read(hash, verify: false), bytes.count >= size {
            return Array(bytes.prefix(size))
        }
        guard await fetch(hash, metainfo.infoHash), let bytes = try? data.store.read(hash, verify: false),
            bytes.count >= size
        else { throw ReadError.unavailable(part: index) }
        return Array(bytes.prefix(size))
    }

    private func prefetch(_ metainfo: Metainfo, after index: Int) {
        let pieces = metainfo.info.pieces
        guard index + 1 < pieces.count else { return }
        for next in (index + 1)..<min(pieces.count, index + 1 + window) {
            let hash = pieces[next]
            if data.store.contains(hash) { continue }
            let claimed = inFlight.withLock { $0.insert(hash).inserted }
            guard claimed else { continue }
            let fetch = self.fetch
            Task { [self] in
                _ = await fetch(hash, metainfo.infoHash)
                inFlight.withLock { _ = $0.remove(hash) }
            }
        }
    }
}
