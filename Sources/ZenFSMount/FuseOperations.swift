import CFuse3
import Foundation
import Glibc
import Node

/// The low-level FUSE callbacks: each decodes its arguments, calls `MountedFileSystem`, and replies.
enum FuseOperations {
    static func make() -> fuse_lowlevel_ops {
        var ops = fuse_lowlevel_ops()
        ops.`init` = { userData, connection in
            guard let connection else { return }
            defer { Unmanaged<FuseBridge>.fromOpaque(userData!).takeUnretainedValue().markInitialized() }
            connection.pointee.max_write = 1 << 20
            // Half a MiB (`FuseMount.largestRead`), so replies from parts stay spliced.
            connection.pointee.max_readahead = UInt32(FuseMount.largestRead)
            connection.pointee.max_read = UInt32(FuseMount.largestRead)
            connection.pointee.time_gran = 1
            // Room for the whole readahead window of a streamed file, and more, in flight at once.
            connection.pointee.max_background = 64
            connection.pointee.congestion_threshold = 48
            let wanted = UInt32(
                FUSE_CAP_ASYNC_READ | FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_PARALLEL_DIROPS | FUSE_CAP_ASYNC_DIO
            )
            connection.pointee.want |= wanted & connection.pointee.capable
            // Replies that carry a part's descriptor are spliced from the page cache to the kernel.
            connection.pointee.want |= UInt32(FUSE_CAP_SPLICE_WRITE) & connection.pointee.capable
            connection.pointee.want &= ~UInt32(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_MOVE)
            // A file's bytes change only through this mount, so the kernel's pages stay true: no `getattr` before
            // reads to see whether another writer changed the file, and no dropping the pages a write just filled
            // because its modification time moved.
            connection.pointee.want &= ~UInt32(FUSE_CAP_AUTO_INVAL_DATA)
            // The kernel asks for entries with their attributes when a program reads a folder and then looks at
            // its entries (`ls -l`), plain entries otherwise.
            connection.pointee.want |=
                UInt32(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO) & connection.pointee.capable
        }
        ops.lookup = { request, parent, name in
            FuseBridge.handle(request) { bridge in
                do {
                    bridge.replyEntry(
                        request,
                        try bridge.fileSystem.lookup(try FuseBridge.name(name), in: Int64(parent))
                    )
                } catch PosixError.notFound where bridge.fileSystem.cachesAbsence(in: Int64(parent)) {
                    // A negative entry: the kernel remembers the absence for the entry timeout, so a program
                    // that checks a name before creating it (`cp`, editors) costs one lookup, not two. Creating,
                    // renaming or linking through this mount replaces the negative entry at once.
                    bridge.replyAbsent(request)
                }
            }
        }
        ops.forget = { request, inode, count in
            FuseBridge.from(request).fileSystem.forget(Int64(inode), count: count)
            fuse_reply_none(request)
        }
        ops.forget_multi = { request, count, forgets in
            let fileSystem = FuseBridge.from(request).fileSystem
            for index in 0..<count {
                let forget = forgets![index]
                fileSystem.forget(Int64(forget.ino), count: forget.nlookup)
            }
            fuse_reply_none(request)
        }
        ops.getattr = { request, inode, _ in
            FuseBridge.handle(request) { bridge in
                bridge.replyAttributes(request, try bridge.fileSystem.getattr(Int64(inode)))
            }
        }
        ops.setattr = { request, inode, attributes, toSet, _ in
            FuseBridge.handle(request) { bridge in
                let stat = attributes!.pointee
                var changes = AttributeChanges()
                if toSet & FUSE_SET_ATTR_MODE != 0 { changes.mode = stat.st_mode }
                if toSet & FUSE_SET_ATTR_UID != 0 { changes.uid = stat.st_uid }
                if toSet & FUSE_SET_ATTR_GID != 0 { changes.gid = stat.st_gid }
                if changes.uid != nil || changes.gid != nil { changes.caller = FuseBridge.callerWithGroups(request) }
                if toSet & FUSE_SET_ATTR_SIZE != 0 { changes.size = Int64(stat.st_size) }
                // `UTIME_NOW` arrives as the `_NOW` flags, `UTIME_OMIT` as neither flag.
                let now = Timestamp.now
                if toSet & FUSE_SET_ATTR_ATIME_NOW != 0 {
                    changes.accessed = now
                } else if toSet & FUSE_SET_ATTR_ATIME != 0 {
                    changes.accessed = Timestamp(stat.st_atim)
                }
                if toSet & FUSE_SET_ATTR_MTIME_NOW != 0 {
                    changes.modified = now
                } else if toSet & FUSE_SET_ATTR_MTIME != 0 {
                    changes.modified = Timestamp(stat.st_mtim)
                }
                bridge.replyAttributes(request, try bridge.fileSystem.setattr(Int64(inode), changes))
            }
        }
        ops.readlink = { request, inode in
            FuseBridge.handle(request) { bridge in
                let target = try bridge.fileSystem.readlink(Int64(inode))
                fuse_reply_readlink(request, target)
            }
        }
        ops.mkdir = { request, parent, name, mode in
            FuseBridge.handle(request) { bridge in
                let caller = FuseBridge.caller(request)
                bridge.replyEntry(
                    request,
                    try bridge.fileSystem.mkdir(
                        try FuseBridge.name(name),
                        in: Int64(parent),
                        mode: mode,
                        uid: caller.uid,
                        gid: caller.gid
                    )
                )
            }
        }
        ops.mknod = { request, parent, name, mode, device in
            FuseBridge.handle(request) { bridge in
                let caller = FuseBridge.caller(request)
                if let kind = StatMapping.specialKind(mode) {
                    let attributes = try bridge.fileSystem.mknod(
                        try FuseBridge.name(name),
                        in: Int64(parent),
                        kind: kind,
                        mode: mode,
                        device: UInt64(device),
                        uid: caller.uid,
                        gid: caller.gid
                    )
                    return bridge.replyEntry(request, attributes)
                }
                guard mode & UInt32(Glibc.S_IFMT) == UInt32(Glibc.S_IFREG) else { throw PosixError.invalidArgument }
                let (attributes, handle) = try bridge.fileSystem.create(
                    try FuseBridge.name(name),
                    in: Int64(parent),
                    mode: mode,
                    flags: O_RDONLY,
                    uid: caller.uid,
                    gid: caller.gid
                )
                try bridge.fileSystem.release(handle)
                bridge.replyEntry(request, attributes)
            }
        }
        ops.symlink = { request, target, parent, name in
            FuseBridge.handle(request) { bridge in
                let caller = FuseBridge.caller(request)
                bridge.replyEntry(
                    request,
                    try bridge.fileSystem.symlink(
                        try FuseBridge.name(name),
                        in: Int64(parent),
                        target: try FuseBridge.name(target),
                        uid: caller.uid,
                        gid: caller.gid
                    )
                )
            }
        }
        ops.link = { request, inode, parent, name in
            FuseBridge.handle(request) { bridge in
                bridge.replyEntry(
                    request,
                    try bridge.fileSystem.link(Int64(inode), as: try FuseBridge.name(name), in: Int64(parent))
                )
            }
        }
        ops.unlink = { request, parent, name in
            FuseBridge.handle(request) { bridge in
                try bridge.fileSystem.unlink(try FuseBridge.name(name), in: Int64(parent))
                fuse_reply_err(request, 0)
            }
        }
        ops.rmdir = { request, parent, name in
            FuseBridge.handle(request) { bridge in
                try bridge.fileSystem.rmdir(try FuseBridge.name(name), in: Int64(parent))
                fuse_reply_err(request, 0)
            }
        }
        ops.rename = { request, parent, name, newParent, newName, flags in
            FuseBridge.handle(request) { bridge in
                try bridge.fileSystem.rename(
                    try FuseBridge.name(name),
                    in: Int64(parent),
                    to: try FuseBridge.name(newName),
                    in: Int64(newParent),
                    flags: flags
                )
                fuse_reply_err(request, 0)
            }
        }
        FuseFileOperations.install(into: &ops)
        return ops
    }
}
