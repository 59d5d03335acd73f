import Glibc
import Node

/// Converts ZenFS attributes to the `stat` the kernel reads.
enum StatMapping {
    static func stat(_ attributes: FileAttributes) -> Glibc.stat {
        var result = Glibc.stat()
        result.st_ino = UInt(attributes.inode)
        result.st_mode = attributes.fileMode
        result.st_nlink = UInt(attributes.linkCount)
        result.st_uid = attributes.uid
        result.st_gid = attributes.gid
        result.st_size = Int(attributes.size)
        result.st_blocks = Int(attributes.blocks)
        result.st_blksize = 4096
        result.st_rdev = UInt(attributes.device)
        result.st_atim = attributes.accessed.timespec
        result.st_mtim = attributes.modified.timespec
        result.st_ctim = attributes.changed.timespec
        return result
    }

    /// The kind of inode a `mknod` mode asks for; nil for a regular file (or a type that does not exist).
    static func specialKind(_ mode: UInt32) -> NamespaceEntry.Kind? {
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFIFO): .fifo
        case UInt32(S_IFCHR): .characterDevice
        case UInt32(S_IFBLK): .blockDevice
        case UInt32(S_IFSOCK): .socket
        default: nil
        }
    }
}
