import Foundation
import Glibc
import ZenFS

extension FileSystemService {
    /// Adopts data that matches a torrent made elsewhere: `dataPath` is the file (single-file torrent) or the
    /// folder holding the torrent's files (multi-file). Every piece is checked against the torrent; on the
    /// first mismatch, or a missing or wrongly sized file, nothing is stored. The info-hash stays the torrent's.
    public func importTorrent(
        _ torrentPath: String,
        dataPath: String,
        tags: [String] = [],
        fields: [String: String] = [:],
        destination: String? = nil,
        progress: ((ProgressCounter) -> Void)? = nil
    ) throws -> AddResult {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: torrentPath, isDirectory: &isFolder) else {
            throw IngestError.sourceNotFound(path: torrentPath)
        }
        if isFolder.boolValue { throw IngestError.torrentIsAFolder(path: torrentPath) }
        guard let bytes = FileManager.default.contents(atPath: torrentPath) else {
            // Opening it again names the reason (permission, say).
            close(try Posix.open(torrentPath, O_RDONLY))
            throw StoreError.io(operation: "read", path: torrentPath, errno: EIO)
        }
        let original: Metainfo
        do {
            original = try Metainfo(parsing: [UInt8](bytes))
        } catch {
            throw IngestError.invalidTorrent(path: torrentPath, error)
        }
        let info = original.info
        let place = try Self.destination(destination, name: info.name)
        var root = dataPath.count > 1 && dataPath.hasSuffix("/") ? String(dataPath.dropLast()) : dataPath
        var dataIsFolder: ObjCBool = false
        if !info.isMultiFile, FileManager.default.fileExists(atPath: root, isDirectory: &dataIsFolder),
            dataIsFolder.boolValue
        {
            // A single file's torrent with the folder holding the file: the file is the torrent's name in it.
            root += "/" + info.name
        }
        var segments: [PieceSource.Segment] = []
        for file in info.files {
            if file.isPad {
                segments.append(.zeros(length: file.length))
                continue
            }
            let local = info.isMultiFile ? root + "/" + file.joinedPath : root
            guard let size = Posix.fileSize(local) else { throw IngestError.missingData(path: local) }
            guard size == file.length else {
                throw IngestError.dataLengthMismatch(path: local, expected: file.length, actual: size)
            }
            segments.append(.file(path: local, length: file.length))
        }
        var metainfo = Metainfo(
            info: info,
            fields: original.fields.merging(fields) { $1 },
            tags: Array(Set(original.tags + tags)).sorted(),
            createdBy: original.createdBy,
            creationDate: original.creationDate
        )
        metainfo.comment = original.comment
        let adopted = metainfo
        let source = PieceSource(segments: segments, pieceLength: info.pieceLength)
        return try ingest(source, expected: info.pieces, progress: progress) { _ in
            adopted
        } place: { _ in
            place
        } skipped: {
            ([], [])
        }
    }
}
