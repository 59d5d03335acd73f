import CFuse3
import Foundation
import Glibc
import Node

/// FUSE callbacks for open files, directories, extended attributes and the filesystem as a whole.
enum FuseFileOperations {
    static let smallestSplicedRead = 64 * 1024
    /// `SEEK_DATA` and `SEEK_HOLE` (Linux values; Glibc exports them only to `_GNU_SOURCE` code).
    static let seekData: Int32 = 3
    static let seekHole: Int32 = 4

    static func install(into ops: inout fuse_lowlevel_ops) {
        ops.open = { request, inode, info in
            FuseBridge.handle(request) { bridge in
                info!.pointee.fh = try bridge.fileSystem.open(Int64(inode), flags: info!.pointee.flags)
                bridge.setCaching(info!, inode: inode)
                fuse_reply_open(request, info)
            }
        }
        ops.create = { request, parent, name, mode, info in
            FuseBridge.handle(request) { bridge in
                let caller = FuseBridge.caller(request)
                let (attributes, handle) = try bridge.fileSystem.create(
                    try FuseBridge.name(name),
                    in: Int64(parent),
                    mode: mode,
                    flags: info!.pointee.flags,
                    uid: caller.uid,
                    gid: caller.gid
                )
                info!.pointee.fh = handle
                bridge.setCaching(info!, inode: fuse_ino_t(attributes.inode))
                var entry = bridge.entryParameters(attributes)
                fuse_reply_create(request, &entry, info)
            }
        }
        ops.read = { request, _, size, offset, info in
            FuseBridge.handle(request) { bridge in
                // Splicing saves a copy but costs more calls than it saves below a few pages.
                let spliced =
                    try size >= Self.smallestSplicedRead
                    && bridge.fileSystem.readCommittedParts(info!.pointee.fh, at: Int64(offset), size: size) {
                        SplicedReply.send(request, $0)
                    }
                if spliced { return }
                try ReadBufferPool.shared.withBuffer(size: size) { buffer in
                    let count = try bridge.fileSystem.read(info!.pointee.fh, at: Int64(offset), into: buffer)
                    fuse_reply_buf(request, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), count)
                }
            }
        }
        ops.write = { request, _, bytes, size, offset, info in
            FuseBridge.handle(request) { bridge in
                let written = try bridge.fileSystem.write(
                    info!.pointee.fh,
                    at: Int64(offset),
                    bytes: UnsafeRawBufferPointer(start: bytes, count: size)
                )
                fuse_reply_write(request, written)
            }
        }
        // No `flush`: libfuse answers ENOSYS and the kernel stops sending it, so `close` costs no round trip. A changed
        // file is sealed at its last release (sealing waits for the committer either way), and locks are the
        // kernel's own, so a close has nothing to tell this filesystem.
        ops.release = { request, _, info in
            FuseBridge.handle(request) { bridge in
                try bridge.fileSystem.release(info!.pointee.fh)
                fuse_reply_err(request, 0)
            }
        }
        // SEEK_DATA and SEEK_HOLE; the kernel answers the other kinds of seek itself.
        ops.lseek = { request, _, offset, whence, info in
            FuseBridge.handle(request) { bridge in
                guard whence == Self.seekData || whence == Self.seekHole else { throw PosixError.invalidArgument }
                let found = try bridge.fileSystem.seek(
                    info!.pointee.fh,
                    from: Int64(offset),
                    toData: whence == Self.seekData
                )
                fuse_reply_lseek(request, off_t(found))
            }
        }
        ops.fsync = { request, _, _, info in
            FuseBridge.handle(request) { bridge in
                try bridge.fileSystem.fsync(info!.pointee.fh)
                fuse_reply_err(request, 0)
            }
        }
        ops.opendir = { request, inode, info in
            FuseBridge.handle(request) { bridge in
                info!.pointee.fh = try bridge.fileSystem.openDirectory(Int64(inode))
                fuse_reply_open(request, info)
            }
        }
        ops.readdir = { request, inode, size, offset, info in
            FuseBridge.handle(request) { bridge in
                let items = try bridge.fileSystem.readDirectory(info!.pointee.fh, of: Int64(inode), from: Int(offset))
                DirectoryReply.send(request, items, size: size, startingAt: Int(offset)) { buffer, room, item, next in
                    var stat = Glibc.stat()
                    stat.st_ino = UInt(item.inode)
                    stat.st_mode = item.attributes?.fileMode ?? UInt32(Glibc.S_IFDIR)
                    return fuse_add_direntry(request, buffer, room, item.name, &stat, off_t(next))
                }
            }
        }
        // With attributes, so `ls -l` of a folder costs no lookup or getattr per entry. Each entry the kernel
        // receives with attributes counts as a lookup (it forgets them later), except `.` and `..`.
        ops.readdirplus = { request, inode, size, offset, info in
            FuseBridge.handle(request) { bridge in
                let items = try bridge.fileSystem.readDirectory(info!.pointee.fh, of: Int64(inode), from: Int(offset))
                DirectoryReply.send(request, items, size: size, startingAt: Int(offset)) { buffer, room, item, next in
                    var entry: fuse_entry_param
                    if let attributes = item.attributes {
                        entry = bridge.entryParameters(attributes)
                    } else {
                        entry = fuse_entry_param()
                        entry.attr.st_ino = UInt(item.inode)
                        entry.attr.st_mode = UInt32(Glibc.S_IFDIR)
                    }
                    let needed = fuse_add_direntry_plus(request, buffer, room, item.name, &entry, off_t(next))
                    if needed <= room && item.attributes != nil { bridge.fileSystem.countListedLookup(item) }
                    return needed
                }
            }
        }
        ops.releasedir = { request, _, info in
            FuseBridge.from(request).fileSystem.releaseDirectory(info!.pointee.fh)
            fuse_reply_err(request, 0)
        }
        ops.fsyncdir = { request, _, _, _ in
            FuseBridge.handle(request) { bridge in
                try bridge.fileSystem.syncAll()
                fuse_reply_err(request, 0)
            }
        }
        ops.statfs = { request, _ in
            FuseBridge.handle(request) { bridge in
                let statistics = try bridge.fileSystem.statfs()
                var result = statvfs()
                result.f_bsize = UInt(statistics.blockSize)
                result.f_frsize = UInt(statistics.blockSize)
                result.f_blocks = UInt(statistics.blocks)
                result.f_bfree = UInt(statistics.freeBlocks)
                result.f_bavail = UInt(statistics.freeBlocks)
                result.f_files = UInt(statistics.files)
                result.f_ffree = UInt(statistics.freeFiles)
                result.f_favail = UInt(statistics.freeFiles)
                result.f_namemax = UInt(statistics.nameMax)
                fuse_reply_statfs(request, &result)
            }
        }
        FuseAttributeOperations.install(into: &ops)
    }
}

/// FUSE callbacks for extended attributes.
enum FuseAttributeOperations {
    static func install(into ops: inout fuse_lowlevel_ops) {
        ops.getxattr = { request, inode, name, size in
            FuseBridge.handle(request) { bridge in
                let value = try bridge.fileSystem.getxattr(Int64(inode), try FuseBridge.name(name))
                try FuseAttributeOperations.reply(request, value, size: size)
            }
        }
        ops.listxattr = { request, inode, size in
            FuseBridge.handle(request) { bridge in
                let names = try bridge.fileSystem.listxattr(Int64(inode))
                try FuseAttributeOperations.reply(request, names.flatMap { Array($0.utf8) + [0] }, size: size)
            }
        }
        ops.setxattr = { request, inode, name, value, size, flags in
            FuseBridge.handle(request) { bridge in
                let bytes = size == 0 ? [] : Array(UnsafeRawBufferPointer(start: value, count: size))
                try bridge.fileSystem.setxattr(Int64(inode), try FuseBridge.name(name), bytes, flags: flags)
                fuse_reply_err(request, 0)
            }
        }
        ops.removexattr = { request, inode, name in
            FuseBridge.handle(request) { bridge in
                try bridge.fileSystem.removexattr(Int64(inode), try FuseBridge.name(name))
                fuse_reply_err(request, 0)
            }
        }
    }

    /// Size 0 asks for the length; otherwise the value, or `ERANGE` when it does not fit.
    static func reply(_ request: fuse_req_t?, _ bytes: [UInt8], size: Int) throws {
        if size == 0 {
            fuse_reply_xattr(request, bytes.count)
        } else if bytes.count > size {
            throw PosixError.attributeBufferTooSmall(needed: bytes.count)
        } else {
            _ = bytes.withUnsafeBytes {
                fuse_reply_buf(request, $0.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
        }
    }
}
