import CFuse3
import Foundation
import Glibc
import Node
import Synchronization

/// What the C callbacks reach through `fuse_req_userdata`: the filesystem service and the reply helpers.
final class FuseBridge: @unchecked Sendable {
    let fileSystem: MountedFileSystem
    /// How long the kernel may cache names and attributes.
    let timeout: Double = 1.0

    /// Set once the kernel's `INIT` has been answered.
    private let initialized = Atomic<Bool>(false)
    var isInitialized: Bool { initialized.load(ordering: .acquiring) }
    func markInitialized() { initialized.store(true, ordering: .releasing) }

    init(fileSystem: MountedFileSystem) {
        self.fileSystem = fileSystem
    }

    static func from(_ request: fuse_req_t?) -> FuseBridge {
        Unmanaged<FuseBridge>.fromOpaque(fuse_req_userdata(request)!).takeUnretainedValue()
    }

    /// Runs `body`; a thrown error becomes the request's errno reply.
    static func handle(_ request: fuse_req_t?, _ body: (FuseBridge) throws -> Void) {
        let bridge = from(request)
        do {
            try body(bridge)
        } catch {
            let code = ErrnoMap.errno(for: error) { message in
                FileHandle.standardError.write(Data("zenfs mount: \(message)\n".utf8))
            }
            fuse_reply_err(request, code)
        }
    }

    /// The entry reply for an inode, with this mount's cache timeouts.
    func entryParameters(_ attributes: FileAttributes) -> fuse_entry_param {
        var entry = fuse_entry_param()
        entry.ino = fuse_ino_t(attributes.inode)
        entry.generation = 1
        entry.attr = StatMapping.stat(attributes)
        entry.attr_timeout = timeout
        entry.entry_timeout = timeout
        return entry
    }

    func replyEntry(_ request: fuse_req_t?, _ attributes: FileAttributes) {
        var entry = entryParameters(attributes)
        fuse_reply_entry(request, &entry)
    }

    /// The reply for a name that does not exist, cached by the kernel for the entry timeout.
    func replyAbsent(_ request: fuse_req_t?) {
        var entry = fuse_entry_param()
        entry.ino = 0
        entry.entry_timeout = timeout
        fuse_reply_entry(request, &entry)
    }

    func replyAttributes(_ request: fuse_req_t?, _ attributes: FileAttributes) {
        var stat = StatMapping.stat(attributes)
        fuse_reply_attr(request, &stat, timeout)
    }

    /// Lets the kernel keep a user file's cached pages across opens: its bytes change only through this mount.
    /// Files of the virtual tree are re-read at every open.
    func setCaching(_ info: UnsafeMutablePointer<fuse_file_info>, inode: fuse_ino_t) {
        info.pointee.keep_cache = fileSystem.isVirtual(Int64(inode)) ? 0 : 1
    }

    /// The caller's uid and gid.
    static func caller(_ request: fuse_req_t?) -> (uid: UInt32, gid: UInt32) {
        guard let context = fuse_req_ctx(request) else { return (0, 0) }
        return (context.pointee.uid, context.pointee.gid)
    }

    /// The caller with its supplementary groups (read from `/proc` by libfuse, so only where they matter).
    static func callerWithGroups(_ request: fuse_req_t?) -> Caller {
        let (uid, gid) = caller(request)
        var groups = [gid_t](repeating: 0, count: 64)
        let count = fuse_req_getgroups(request, Int32(groups.count), &groups)
        return Caller(uid: uid, gid: gid, groups: Array(groups.prefix(max(0, min(Int(count), groups.count)))))
    }

    /// A C name as Swift text; names that are not UTF-8 are refused (`EILSEQ`).
    static func name(_ pointer: UnsafePointer<CChar>?) throws -> String {
        guard let pointer, let name = String(validatingCString: pointer) else { throw PosixError.illegalName }
        return name
    }
}
