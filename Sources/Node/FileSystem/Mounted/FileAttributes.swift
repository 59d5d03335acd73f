import Glibc

/// What `stat` reports for an inode of the mounted filesystem.
public struct FileAttributes: Equatable, Sendable {
    public let inode: UInt64
    public let kind: NamespaceEntry.Kind
    /// Permission bits only; `fileMode` adds the type bits.
    public let permissions: UInt32
    public let linkCount: UInt32
    public let uid: UInt32
    public let gid: UInt32
    public let size: Int64
    public let accessed: Timestamp
    public let modified: Timestamp
    public let changed: Timestamp
    /// A device node's device number (`st_rdev`).
    public let device: UInt64
    /// The bytes stored for the file, for `st_blocks`; nil when every byte is.
    public let allocated: Int64?

    /// `st_mode`: type and permission bits.
    public var fileMode: UInt32 {
        let type: UInt32 =
            switch kind {
            case .directory: UInt32(S_IFDIR)
            case .file: UInt32(S_IFREG)
            case .symbolicLink: UInt32(S_IFLNK)
            case .fifo: UInt32(S_IFIFO)
            case .characterDevice: UInt32(S_IFCHR)
            case .blockDevice: UInt32(S_IFBLK)
            case .socket: UInt32(S_IFSOCK)
            }
        return type | permissions
    }

    /// `st_blocks`: 512-byte units of the bytes stored (holes take none); special files have none.
    public var blocks: Int64 { kind.isSpecial ? 0 : (min(allocated ?? size, size) + 511) / 512 }

    init(
        inode: UInt64,
        kind: NamespaceEntry.Kind,
        permissions: UInt32,
        linkCount: UInt32,
        uid: UInt32,
        gid: UInt32,
        size: Int64,
        accessed: Timestamp,
        modified: Timestamp,
        changed: Timestamp,
        device: UInt64 = 0,
        allocated: Int64? = nil
    ) {
        self.inode = inode
        self.kind = kind
        self.permissions = permissions
        self.linkCount = linkCount
        self.uid = uid
        self.gid = gid
        self.size = size
        self.accessed = accessed
        self.modified = modified
        self.changed = changed
        self.device = device
        self.allocated = allocated
    }

    init(_ entry: NamespaceEntry) {
        inode = UInt64(entry.id)
        kind = entry.kind
        permissions = entry.mode & 0o7777
        linkCount = UInt32(max(0, entry.linkCount))
        uid = entry.uid
        gid = entry.gid
        size = entry.kind == .symbolicLink ? Int64(entry.linkTarget?.utf8.count ?? 0) : entry.size
        accessed = entry.accessed
        modified = entry.modified
        changed = entry.changed
        device = entry.device
        allocated = entry.allocated
    }

    /// The same attributes with `allocated` stored bytes (a file being written).
    func with(allocated: Int64) -> FileAttributes {
        FileAttributes(
            inode: inode,
            kind: kind,
            permissions: permissions,
            linkCount: linkCount,
            uid: uid,
            gid: gid,
            size: size,
            accessed: accessed,
            modified: modified,
            changed: changed,
            device: device,
            allocated: allocated
        )
    }
}
