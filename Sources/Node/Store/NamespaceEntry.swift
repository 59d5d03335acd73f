import GRDB
import ZenFS

/// One inode of the user's namespace (a directory, a file, a symbolic link or a special file) with the name it was
/// reached by.
/// A file's bytes are the range `contentOffset ..< contentOffset + size` of its metainfo's byte stream; a file
/// with no metainfo yet holds zeros.
public struct NamespaceEntry: Equatable, Sendable {
    /// What an inode is.
    public enum Kind: Int, Sendable {
        case directory = 1
        case file = 2
        case symbolicLink = 3
        case fifo = 4
        case characterDevice = 5
        case blockDevice = 6
        case socket = 7

        /// FIFOs, device nodes and sockets: entries of the namespace with no content, which no metainfo holds.
        public var isSpecial: Bool { rawValue >= Kind.fifo.rawValue }
    }

    /// The inode number; stable for the inode's life, and the FUSE inode number.
    public let id: Int64
    /// The directory this entry was reached from; nil for the root or a lookup by inode number.
    public let parent: Int64?
    public let name: String
    public let kind: Kind
    /// Permission bits (`0o7777`).
    public let mode: UInt32
    public let uid: UInt32
    public let gid: UInt32
    public let linkCount: Int
    public let size: Int64
    public let accessed: Timestamp
    public let modified: Timestamp
    public let changed: Timestamp
    /// For a file, the metainfo holding its bytes; for a directory, the metainfo of the folder it was added as.
    public let infoHash: SHA1Digest?
    public let contentOffset: Int64?
    public let linkTarget: String?
    /// A device node's device number (`st_rdev`); 0 for every other kind.
    public let device: UInt64
    /// The bytes a file's recorded version stores (its parts that are not holes); nil when every byte is.
    public let allocated: Int64?

    /// The inode number of the root directory.
    public static let rootID: Int64 = 1

    init(row: Row) {
        id = row["id"]
        parent = row["parent"]
        name = row["name"] ?? ""
        kind = Kind(rawValue: row["kind"]) ?? .file
        mode = row["mode"]
        uid = row["uid"]
        gid = row["gid"]
        linkCount = row["nlink"]
        size = row["size"]
        accessed = Timestamp(nanoseconds: row["atime"])
        modified = Timestamp(nanoseconds: row["mtime"])
        changed = Timestamp(nanoseconds: row["ctime"])
        infoHash = SHA1Digest(blob: row["info_hash"])
        contentOffset = row["content_offset"]
        linkTarget = row["link_target"]
        device = UInt64(bitPattern: row["rdev"] ?? 0)
        allocated = row["allocated"]
    }

    init(
        id: Int64,
        parent: Int64?,
        name: String,
        kind: Kind,
        mode: UInt32,
        uid: UInt32,
        gid: UInt32,
        linkCount: Int,
        size: Int64,
        accessed: Timestamp,
        modified: Timestamp,
        changed: Timestamp,
        infoHash: SHA1Digest?,
        contentOffset: Int64?,
        linkTarget: String?,
        device: UInt64 = 0,
        allocated: Int64? = nil
    ) {
        self.id = id
        self.parent = parent
        self.name = name
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.linkCount = linkCount
        self.size = size
        self.accessed = accessed
        self.modified = modified
        self.changed = changed
        self.infoHash = infoHash
        self.contentOffset = contentOffset
        self.linkTarget = linkTarget
        self.device = device
        self.allocated = allocated
    }

    /// The entry with other attributes (used for state not yet in the catalog, such as a file being written).
    public func with(
        size: Int64? = nil,
        accessed: Timestamp? = nil,
        modified: Timestamp? = nil,
        changed: Timestamp? = nil
    ) -> NamespaceEntry {
        NamespaceEntry(
            copying: self,
            size: size ?? self.size,
            accessed: accessed ?? self.accessed,
            modified: modified ?? self.modified,
            changed: changed ?? self.changed
        )
    }

    /// The same entry with another group and mode (a folder's set-group-ID bit passes its group on).
    func with(gid: UInt32, mode: UInt32) -> NamespaceEntry {
        NamespaceEntry(
            id: id,
            parent: parent,
            name: name,
            kind: kind,
            mode: mode,
            uid: uid,
            gid: gid,
            linkCount: linkCount,
            size: size,
            accessed: accessed,
            modified: modified,
            changed: changed,
            infoHash: infoHash,
            contentOffset: contentOffset,
            linkTarget: linkTarget,
            device: device,
            allocated: allocated
        )
    }

    /// The same entry under inode number `id` (for one built before its inode was inserted).
    func numbered(_ id: Int64) -> NamespaceEntry {
        NamespaceEntry(copying: self, id: id, size: size, accessed: accessed, modified: modified, changed: changed)
    }

    private init(
        copying other: NamespaceEntry,
        id: Int64? = nil,
        size: Int64,
        accessed: Timestamp,
        modified: Timestamp,
        changed: Timestamp
    ) {
        self.id = id ?? other.id
        parent = other.parent
        name = other.name
        kind = other.kind
        mode = other.mode
        uid = other.uid
        gid = other.gid
        linkCount = other.linkCount
        self.size = size
        self.accessed = accessed
        self.modified = modified
        self.changed = changed
        infoHash = other.infoHash
        contentOffset = other.contentOffset
        linkTarget = other.linkTarget
        device = other.device
        allocated = other.allocated
    }
}
