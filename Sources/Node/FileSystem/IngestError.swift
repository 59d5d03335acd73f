import ZenFS

/// Why content could not be added, imported or read back; nothing is stored when one of these is thrown.
public enum IngestError: Error, Equatable, Sendable, CustomStringConvertible {
    case sourceNotFound(path: String)
    case unreadableName(path: String)
    case unsupportedFileType(path: String)
    case emptyFolder(path: String)
    case dataMismatch(piece: Int, path: String)
    case dataLengthMismatch(path: String, expected: Int64, actual: Int64)
    case missingData(path: String)
    case unknownContent(reference: String)
    case destinationExists(path: String)
    case invalidTorrent(path: String, MetainfoError)
    case sourceChanged(path: String)
    case reservedDestination(path: String)
    case torrentIsAFolder(path: String)
    case destinationFull(folder: String, needed: Int64, free: Int64)

    public var description: String {
        switch self {
        case .sourceNotFound(let path): "\(path) does not exist"
        case .unreadableName(let path): "\(path) has a name that is not valid UTF-8; rename it first"
        case .unsupportedFileType(let path): "\(path) is neither a regular file nor a folder"
        case .emptyFolder(let path): "\(path) holds no regular files; BitTorrent cannot describe an empty folder"
        case .dataMismatch(let piece, let path):
            "piece \(piece) (in \(path)) does not match the torrent; this is not the torrent's data (nothing was stored)"
        case .dataLengthMismatch(let path, let expected, let actual):
            "\(path) holds \(actual) bytes but the torrent expects \(expected) (nothing was stored)"
        case .missingData(let path): "\(path) is missing: the torrent lists it (nothing was stored)"
        case .unknownContent(let reference):
            "no content named '\(reference)': give an info-hash from 'zenfs show' or a path from 'zenfs ls'"
        case .destinationExists(let path): "\(path) already exists; remove it or choose another --to folder"
        case .invalidTorrent(let path, let error): "\(path): \(error)"
        case .sourceChanged(let path):
            "\(path) changed while it was being read (nothing was stored); add it again once nothing writes to it"
        case .reservedDestination(let path):
            "\(path) is inside /.zen, where a mount shows its own virtual folders (torrents, by-infohash); "
                + "choose another place with --as (nothing was stored)"
        case .torrentIsAFolder(let path):
            "\(path) is a folder, not a .torrent file; give the .torrent first and the data with --data "
                + "(zenfs import x.torrent --data \(path))"
        case .destinationFull(let folder, let needed, let free):
            "disk full: the disk holding \(folder) has \(ByteCount.format(free)) free and this content needs "
                + "\(ByteCount.format(needed)); free space there or choose another --to folder (nothing was written)"
        }
    }
}
