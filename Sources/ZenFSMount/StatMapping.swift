import Foundation
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
        result.st_atim = timespec(attributes.accessed)
        result.st_mtim = timespec(attributes.modified)
        result.st_ctim = timespec(attributes.changed)
        return result
    }

    static func timespec(_ date: Date) -> Glibc.timespec {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let nanoseconds = ((date.timeIntervalSince1970 - seconds) * 1e9).rounded()
        return Glibc.timespec(tv_sec: Int(seconds), tv_nsec: min(999_999_999, Int(nanoseconds)))
    }

    static func date(_ time: Glibc.timespec) -> Date {
        Date(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9)
    }
}
