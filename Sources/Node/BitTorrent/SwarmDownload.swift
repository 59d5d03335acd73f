import CTorrent
import Foundation
import ZenFS

/// Why a download from a BitTorrent swarm failed.
public enum SwarmDownloadError: Error, CustomStringConvertible {
    case failed(String)
    case incomplete(missing: Int)

    public var description: String {
        switch self {
        case .failed(let reason): "the BitTorrent download failed: \(reason)"
        case .incomplete(let missing): "the download ended with \(missing) pieces missing from the store"
        }
    }
}

extension FileSystemService {
    /// Downloaded pieces are made durable in groups of this many bytes (two syncs per group, not per piece);
    /// whatever is left is committed before the metainfo is recorded.
    static let swarmCommitBytes = 64 << 20

    /// Downloads a torrent (`.torrent` bytes, or a magnet link) from its swarm through libtorrent straight into
    /// elements — each piece stored under its SHA1 once complete — and makes it a normal ZenFS object: its
    /// metainfo indexed and placed in the namespace under its name. Pieces the store lacks are promised space
    /// under the quota as they arrive; one the quota cannot hold stops the download with `quotaExceeded`.
    public func downloadTorrent(
        metainfo torrent: [UInt8]?,
        magnet: String?,
        tags: [String] = [],
        fields: [String: String] = [:],
        timeoutSeconds: Double = 60,
        progress: ((ProgressCounter) -> Void)? = nil
    ) throws -> AddResult {
        final class Context {
            let store: ElementStore
            var counter: ProgressCounter?
            let report: ((ProgressCounter) -> Void)?
            var reported: Int64 = 0
            /// The download's promise under the quota, and the bytes of new pieces it covers.
            let space: SpaceReservation
            var newBytes: Int64 = 0
            /// Why storing a piece failed, reported instead of libtorrent's own message.
            var failure: (any Error)?
            /// Pieces staged since the last commit, and their bytes.
            var staged: [StagedElement] = []
            var stagedBytes = 0
            init(store: ElementStore, space: SpaceReservation, report: ((ProgressCounter) -> Void)?) {
                self.store = store
                self.space = space
                self.report = report
            }
            /// Makes the staged pieces durable under their names (two syncs for the whole group).
            func commitStaged() throws {
                defer {
                    staged = []
                    stagedBytes = 0
                }
                try store.commit(staged)
            }
        }
        // Released once the metainfo is recorded (its parts then count as stored), or on failure.
        let space = SpaceReservation(data: data)
        defer { space.release() }
        let context = Context(store: store, space: space, report: progress)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        let storePiece: CTorrentStorePiece = { raw, bytes, length, sha1 in
            guard let raw, let bytes, let sha1,
                let hash = SHA1Digest(bytes: UnsafeBufferPointer(start: sha1, count: 20))
            else { return -1 }
            let context = Unmanaged<Context>.fromOpaque(raw).takeUnretainedValue()
            let buffer = UnsafeRawBufferPointer(start: bytes, count: length)
            do {
                if !context.store.contains(hash) {
                    context.newBytes += Int64(length)
                    try context.space.cover(context.newBytes)
                }
                if let staged = try context.store.stage(buffer, as: hash) {
                    context.staged.append(staged)
                    context.stagedBytes += length
                }
                if context.stagedBytes >= FileSystemService.swarmCommitBytes { try context.commitStaged() }
                return 0
            } catch {
                context.failure = context.failure ?? error
                return -1
            }
        }
        let report: CTorrentProgress = { raw, done, total in
            guard let raw else { return }
            let context = Unmanaged<Context>.fromOpaque(raw).takeUnretainedValue()
            guard total > 0 else { return }
            if context.counter == nil {
                let counter = ProgressCounter(total: total)
                context.counter = counter
                context.report?(counter)
            }
            context.counter?.advance(by: done - context.reported)
            context.reported = done
        }
        var output: UnsafeMutablePointer<UInt8>?
        var outputLength = 0
        var error = [CChar](repeating: 0, count: 512)
        let result = try data.withLock(.shared) {
            (torrent ?? []).withUnsafeBufferPointer { buffer in
                CTorrent_download(
                    torrent == nil ? nil : buffer.baseAddress,
                    buffer.count,
                    torrent == nil ? magnet : nil,
                    storePiece,
                    report,
                    unmanaged.toOpaque(),
                    timeoutSeconds,
                    &output,
                    &outputLength,
                    &error,
                    error.count
                )
            }
        }
        guard result == 0, let output else {
            store.discard(context.staged)
            throw context.failure ?? SwarmDownloadError.failed(error.cMessage)
        }
        defer { free(output) }
        try context.commitStaged()
        let bytes = Array(UnsafeBufferPointer(start: output, count: outputLength))
        let downloaded = try Metainfo(parsing: bytes)
        var metainfo = Metainfo(info: downloaded.info, fields: fields, tags: tags)
        if let torrent, let original = try? Metainfo(parsing: torrent) {
            metainfo.fields = original.fields.merging(fields) { $1 }
            metainfo.tags = Array(Set(original.tags + tags)).sorted()
        }
        return try adoptStored(metainfo)
    }

    /// Indexes and places a metainfo whose parts are all in the store already.
    func adoptStored(_ metainfo: Metainfo) throws -> AddResult {
        try data.withLock(.shared) {
            let missing = Set(metainfo.info.pieces).filter { !store.contains($0) }
            guard missing.isEmpty else { throw SwarmDownloadError.incomplete(missing: missing.count) }
            let destination = [metainfo.info.name]
            if try catalog.entry(atPath: "/" + metainfo.info.name) != nil {
                throw IngestError.destinationExists(path: "/" + metainfo.info.name)
            }
            try record(metainfo, at: destination)
            return AddResult(
                infoHash: metainfo.infoHash,
                name: metainfo.info.name,
                path: "/" + metainfo.info.name,
                totalLength: metainfo.info.dataFiles.reduce(0) { $0 + $1.length },
                pieceCount: metainfo.info.pieces.count,
                fileCount: metainfo.info.dataFiles.count,
                storedBytes: metainfo.info.totalLength,
                skipped: [],
                skippedEmptyFolders: []
            )
        }
    }
}
