import Foundation
import GRDB
import ZenFS

/// One name in the user's namespace: a directory, a file, or a symbolic link. A file's bytes are the range
/// `contentOffset ..< contentOffset + size` of its metainfo's byte stream.
public struct NamespaceEntry: Equatable, Sendable {
    /// What an entry is.
    public enum Kind: Int, Sendable {
        case directory = 1
        case file = 2
        case symbolicLink = 3
    }

    public let id: Int64
    public let parent: Int64?
    public let name: String
    public let kind: Kind
    public let mode: UInt32
    public let size: Int64
    public let modified: Date
    /// For a file, the metainfo holding its bytes; for a directory, the metainfo of the folder it was added as.
    public let infoHash: SHA1Digest?
    public let contentOffset: Int64?

    /// The id of the root directory.
    public static let rootID: Int64 = 1

    init(row: Row) {
        id = row["id"]
        parent = row["parent"]
        name = row["name"]
        kind = Kind(rawValue: row["kind"]) ?? .file
        mode = row["mode"]
        size = row["size"]
        modified = Date(timeIntervalSince1970: row["mtime"])
        infoHash = SHA1Digest(blob: row["info_hash"])
        contentOffset = row["content_offset"]
    }
}
