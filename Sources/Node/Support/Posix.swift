import Glibc

/// Thin, retrying wrappers over the POSIX calls the stores use; each failure becomes a `StoreError`.
enum Posix {
    /// Opens `path`, retrying on EINTR.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(StoreError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw failure("open", path) }
        }
    }

    /// Writes all of `buffer` at `offset`.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int64, path: String)
        throws(StoreError)
    {
        var done = 0
        while done < buffer.count {
            let written = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            done += written
        }
    }

    /// Whether `buffer` may be written with `O_DIRECT`: page-aligned address and length.
    static func isDirectIOAligned(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return false }
        return Int(bitPattern: base) % directIOAlignment == 0 && buffer.count % directIOAlignment == 0
    }

    /// The alignment `O_DIRECT` needs on every filesystem we meet (logical blocks are at most a page).
    static let directIOAlignment = 4096

    /// Writes all of `buffer` at offset 0 through a descriptor with `O_DIRECT`; if the filesystem refuses the
    /// direct write (`EINVAL`), turns `O_DIRECT` off and writes through the page cache instead.
    static func writeAllDirect(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(StoreError) {
        while true {
            let written = pwrite(fd, buffer.baseAddress!, buffer.count, 0)
            if written == buffer.count { return }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno != EINVAL { throw failure("write", path) }
            break
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_DIRECT)
        try writeAll(fd, buffer, at: 0, path: path)
    }

    /// Reads exactly `buffer.count` bytes at `offset`; a short file is reported as `.io` with `EIO`.
    static func readExactly(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String)
        throws(StoreError)
    {
        var done = 0
        while done < buffer.count {
            let count = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 {
                throw StoreError.io(operation: "read (file shorter than expected)", path: path, errno: EIO)
            }
            done += count
        }
    }

    /// The size of the file at `path`, or nil when it does not exist.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// The bytes the filesystem allocated for the file at `path` (less than its size where it has holes).
    static func allocatedBytes(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_blocks) * 512
    }

    /// Creates a directory unless it exists.
    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(StoreError) {
        if mkdir(path, mode) != 0 && errno != EEXIST { throw failure("create directory", path) }
    }

    /// Creates a directory and its missing parents.
    static func makeDirectories(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try makeDirectory(prefix)
        }
    }

    /// Marks a folder as the top of a hierarchy whose subfolders are unrelated (`chattr +T`, ext2/3/4's
    /// `FS_TOPDIR_FL`), so the filesystem spreads the subfolders created in it over its block groups. Returns
    /// whether the flag is set; filesystems without the flag leave the folder as it is.
    @discardableResult
    static func markAsTopDirectory(_ path: String) -> Bool {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var flags: Int32 = 0
        guard ioctl(fd, fileSystemGetFlags, &flags) == 0 else { return false }
        if flags & topDirectoryFlag != 0 { return true }
        flags |= topDirectoryFlag
        return ioctl(fd, fileSystemSetFlags, &flags) == 0
    }

    /// `FS_IOC_GETFLAGS` and `FS_IOC_SETFLAGS` (`_IOR('f', 1, long)`, `_IOW('f', 2, long)` on 64-bit Linux; the
    /// kernel reads and writes an `int`), and `FS_TOPDIR_FL`.
    private static let fileSystemGetFlags: UInt = 0x8008_6601
    private static let fileSystemSetFlags: UInt = 0x4008_6602
    private static let topDirectoryFlag: Int32 = 0x0002_0000

    /// Flushes every dirty page of the filesystem holding `fd` (one journal commit for a whole batch).
    static func syncFileSystem(_ fd: Int32, path: String) throws(StoreError) {
        if linuxSyncfs(fd) != 0 { throw failure("sync", path) }
    }

    /// Asks the kernel to start writing a file's dirty pages now, without waiting, so that the disk works while
    /// the caller goes on hashing and the batch's final sync has little left to do.
    static func startWriteback(_ fd: Int32) {
        _ = linuxSyncFileRange(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */)
    }

    /// Renames atomically.
    static func rename(_ from: String, _ to: String) throws(StoreError) {
        if Glibc.rename(from, to) != 0 { throw failure("rename", from) }
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read.
    static func directoryNames(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The error for the last failed call; ENOSPC and EDQUOT become `.diskFull`.
    static func failure(_ operation: String, _ path: String) -> StoreError {
        let code = errno
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path) }
        return .io(operation: operation, path: path, errno: code)
    }
}

/// `syncfs(2)`, a Linux call the Glibc module does not export.
@_silgen_name("syncfs")
private func linuxSyncfs(_ fd: Int32) -> Int32

/// `sync_file_range(2)`, a Linux call the Glibc module does not export.
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32

/// `O_DIRECT`, which the Glibc module leaves out (it needs `_GNU_SOURCE`); its value depends on the architecture.
#if arch(arm64) || arch(arm)
    let O_DIRECT: Int32 = 0o200000
#else
    let O_DIRECT: Int32 = 0o40000
#endif
