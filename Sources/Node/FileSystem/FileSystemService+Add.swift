import Foundation
import ZenFS

/// What adding or importing content did.
public struct AddResult: Equatable, Sendable {
    public let infoHash: SHA1Digest
    public let name: String
    /// Where the content sits in the namespace.
    public let path: String
    public let totalLength: Int64
    public let pieceCount: Int
    public let fileCount: Int
    /// Bytes written to the store (parts it did not hold before).
    public let storedBytes: Int64
    /// Local paths skipped because they are neither files nor folders.
    public let skipped: [String]
    /// Local folders skipped because they hold no regular file (a torrent lists only files).
    public let skippedEmptyFolders: [String]
}

/// Options of `add`.
public struct AddOptions: Sendable {
    public var tags: [String] = []
    public var fields: [String: String] = [:]
    /// The namespace path; by default `/<name>`.
    public var destination: String?
    /// A power of two; by default chosen from the size.
    public var pieceLength: Int?

    public init() {}
}

extension FileSystemService {
    /// Adds a local file or folder: hashes its parts on every core, stores each durably, builds and stores the
    /// metainfo (BEP 47 pad files align every file of a folder on a part boundary), indexes it and places it
    /// in the namespace. Re-adding the same content is harmless.
    public func add(
        _ localPath: String,
        options: AddOptions = AddOptions(),
        progress: ((ProgressCounter) -> Void)? = nil
    )
        throws -> AddResult
    {
        let scan = try SourceScanner().scan(localPath)
        let destination = try Self.destination(options.destination, name: scan.name)
        let pieceLength = options.pieceLength ?? PieceLength.recommended(forTotalLength: scan.totalLength)
        let files: [MetainfoFile]
        if scan.isFolder {
            files = MetainfoLayout.aligned(scan.files.map(\.source), pieceLength: pieceLength)
        } else {
            files = [MetainfoFile(path: [scan.name], length: scan.totalLength, offset: 0)]
        }
        var localPaths = scan.files.makeIterator()
        let segments: [PieceSource.Segment] = files.map { file in
            file.isPad ? .zeros(length: file.length) : .file(path: localPaths.next()!.localPath, length: file.length)
        }
        let source = PieceSource(segments: segments, pieceLength: pieceLength)
        return try ingest(source, progress: progress) { pieces in
            let info = try MetainfoInfo(
                name: scan.name,
                pieceLength: pieceLength,
                pieces: pieces,
                files: files,
                isMultiFile: scan.isFolder
            )
            return Metainfo(info: info, fields: options.fields, tags: options.tags)
        } place: { _ in
            destination
        } skipped: {
            (scan.skipped, scan.emptyFolders)
        }
    }

    /// The shared second half of add and import: hash and stage the source, commit the parts, store the
    /// metainfo element, then index and place it in one catalog transaction.
    func ingest(
        _ source: PieceSource,
        expected: [SHA1Digest]? = nil,
        progress: ((ProgressCounter) -> Void)?,
        metainfo makeMetainfo: ([SHA1Digest]) throws -> Metainfo,
        place: (Metainfo) throws -> [String],
        skipped: () -> (entries: [String], emptyFolders: [String])
    ) throws -> AddResult {
        try data.withLock(.shared) {
            let counter = ProgressCounter(total: source.totalLength)
            progress?(counter)
            // Released once the catalog transaction below has committed (the elements then count as stored), or
            // on failure.
            let space = SpaceReservation(data: data)
            defer { space.release() }
            var hasher = PieceHasher(
                store: store,
                budget: try data.budget(),
                workers: workers
            )
            try space.claim(upTo: source.totalLength)
            hasher.space = space
            let hashed = try hasher.run(source, expected: expected, progress: counter)
            let metainfo: Metainfo
            let destination: [String]
            let metainfoBytes: [UInt8]
            var staged = hashed.staged
            do {
                metainfo = try makeMetainfo(hashed.pieces)
                destination = try place(metainfo)
                try checkFree(destination, for: metainfo)
                metainfoBytes = metainfo.encoded()
                let hash = SHA1Digest.of(metainfoBytes)
                if let element = try metainfoBytes.withUnsafeBytes({ try store.stage($0, as: hash) }) {
                    staged.append(element)
                }
            } catch {
                store.discard(staged)
                throw error
            }
            try commit(staged, recording: metainfo, bytes: metainfoBytes, at: destination)
            return AddResult(
                infoHash: metainfo.infoHash,
                name: metainfo.info.name,
                path: "/" + destination.joined(separator: "/"),
                totalLength: metainfo.info.dataFiles.reduce(0) { $0 + $1.length },
                pieceCount: metainfo.info.pieces.count,
                fileCount: metainfo.info.dataFiles.count,
                storedBytes: hashed.staged.reduce(0) { $0 + $1.storedBytes },
                skipped: skipped().entries,
                skippedEmptyFolders: skipped().emptyFolders
            )
        }
    }

    /// Makes the staged parts and metainfo element durable and names them on a thread of their own while this
    /// thread builds the catalog transaction that indexes the metainfo and places it at `destination`. The
    /// transaction commits only after every element is durable, so the catalog never refers to an element that a
    /// crash could lose; if the elements cannot be committed, it rolls back.
    private func commit(
        _ staged: [StagedElement],
        recording metainfo: Metainfo,
        bytes: [UInt8],
        at destination: [String]
    ) throws {
        let store = store
        let elements = BackgroundWork { try store.commit(staged) }
        // Whatever happens here, the commit has finished before this returns.
        defer { try? elements.wait() }
        let now = Date()
        try catalog.write { db in
            _ = try catalog.insertMetainfo(
                metainfo,
                element: SHA1Digest.of(bytes),
                elementSize: Int64(bytes.count),
                now: now,
                diskBytes: StagedElement.diskBytes(of: staged),
                in: db
            )
            _ = try catalog.place(metainfo, at: destination, now: now, in: db)
            try elements.wait()
        }
    }

    /// Stores a metainfo whose parts are durable in the store, then indexes it and places it at `destination` in
    /// one catalog transaction.
    func record(_ metainfo: Metainfo, at destination: [String]) throws {
        let bytes = metainfo.encoded()
        let element = try store.store(bytes)
        let now = Date()
        try catalog.write { db in
            _ = try catalog.insertMetainfo(
                metainfo,
                element: element,
                elementSize: Int64(bytes.count),
                now: now,
                in: db
            )
            _ = try catalog.place(metainfo, at: destination, now: now, in: db)
        }
    }

    /// Refuses a destination that holds something other than this content, before any part is committed.
    private func checkFree(_ destination: [String], for metainfo: Metainfo) throws {
        guard let existing = try catalog.entry(atPath: "/" + destination.joined(separator: "/")) else { return }
        if existing.infoHash != metainfo.infoHash || (existing.kind == .directory) != metainfo.info.isMultiFile {
            throw NamespaceError.alreadyExists(path: "/" + destination.joined(separator: "/"))
        }
    }
}
