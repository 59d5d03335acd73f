import Foundation
import Glibc
import ZenFS

/// One entry `readdir` returns.
public struct DirectoryItem: Equatable, Sendable {
    public let name: String
    public let inode: UInt64
    public let kind: NamespaceEntry.Kind
    /// The entry's attributes, for `readdirplus`; nil for `.` and `..`.
    public var attributes: FileAttributes? = nil
}

/// What `statfs` reports.
public struct FileSystemStatistics: Equatable, Sendable {
    public let blockSize: UInt64
    public let blocks: UInt64
    public let freeBlocks: UInt64
    public let files: UInt64
    public let freeFiles: UInt64
    public let nameMax: UInt64
}

extension MountedFileSystem {
    private func entry(_ id: Int64) throws -> NamespaceEntry {
        guard let entry = try data.catalog.inode(id) else { throw PosixError.notFound }
        return entry
    }

    private func checkName(_ name: String) throws {
        if name.utf8.count > 255 { throw PosixError.nameTooLong }
        if name.isEmpty || name == "." || name == ".." || name.contains("/") { throw PosixError.invalidArgument }
    }

    // MARK: Namespace

    public func getattr(_ id: Int64) throws -> FileAttributes {
        if VirtualTree.isVirtual(id) { return try virtualAttributes(id) }
        return overlay(try entry(id))
    }

    /// Refuses changes inside `/.zen` (and to the name `.zen` in the root), which is read-only.
    private func rejectVirtual(_ ids: Int64..., name: String? = nil) throws {
        if ids.contains(where: VirtualTree.isVirtual) { throw PosixError.readOnly }
        if name == VirtualTree.name && ids.contains(NamespaceEntry.rootID) { throw PosixError.exists }
    }

    /// Looks a name up and counts the lookup (the kernel forgets it later).
    public func lookup(_ name: String, in parent: Int64) throws -> FileAttributes {
        if name.utf8.count > 255 { throw PosixError.nameTooLong }
        if VirtualTree.isVirtual(parent) || (parent == NamespaceEntry.rootID && name == VirtualTree.name) {
            return try virtualLookup(name, in: parent)
        }
        guard let entry = try data.catalog.lookupOrCheckParent(name, in: parent) else { throw PosixError.notFound }
        countLookup(entry.id)
        return overlay(entry)
    }

    /// Whether the kernel may remember that a name is absent from directory `parent`: yes in the user's folders;
    /// not at the root, where `zenfs add` places content without any call through the mount, nor in the virtual
    /// tree, where content fetched from the circuit appears the same way.
    public func cachesAbsence(in parent: Int64) -> Bool {
        !VirtualTree.isVirtual(parent) && parent != NamespaceEntry.rootID
    }

    public func readdir(_ id: Int64) throws -> [DirectoryItem] {
        if VirtualTree.isVirtual(id) { return try virtualReaddir(id) }
        let directory = try entry(id)
        guard directory.kind == .directory else { throw PosixError.notADirectory }
        let parent = try data.catalog.parent(ofDirectory: id)
        var items = [
            DirectoryItem(name: ".", inode: UInt64(id), kind: .directory),
            DirectoryItem(name: "..", inode: UInt64(parent), kind: .directory),
        ]
        if id == NamespaceEntry.rootID {
            let zen = virtualTree.inode(for: .zenRoot, holding: 1)
            items.append(
                DirectoryItem(
                    name: VirtualTree.name,
                    inode: UInt64(zen),
                    kind: .directory,
                    attributes: try virtualAttributes(zen)
                )
            )
        }
        return items
            + (try data.catalog.children(of: id)).map {
                DirectoryItem(name: $0.name, inode: UInt64($0.id), kind: $0.kind, attributes: overlay($0))
            }
    }

    public func mkdir(_ name: String, in parent: Int64, mode: UInt32, uid: UInt32, gid: UInt32) throws -> FileAttributes
    {
        try checkName(name)
        try rejectVirtual(parent, name: name)
        let entry = try data.catalog.create(name, in: parent, kind: .directory, mode: mode, uid: uid, gid: gid)
        countLookup(entry.id)
        return FileAttributes(entry)
    }

    /// Creates a FIFO, a character or block device node (with device number `device`) or a socket: a namespace
    /// entry with no content (the kernel itself serves what is opened through a FIFO or a device node).
    public func mknod(
        _ name: String,
        in parent: Int64,
        kind: NamespaceEntry.Kind,
        mode: UInt32,
        device: UInt64,
        uid: UInt32,
        gid: UInt32
    ) throws -> FileAttributes {
        guard kind.isSpecial else { throw PosixError.invalidArgument }
        try checkName(name)
        try rejectVirtual(parent, name: name)
        let entry = try data.catalog.create(
            name,
            in: parent,
            kind: kind,
            mode: mode,
            uid: uid,
            gid: gid,
            device: device
        )
        countLookup(entry.id)
        return FileAttributes(entry)
    }

    public func symlink(_ name: String, in parent: Int64, target: String, uid: UInt32, gid: UInt32) throws
        -> FileAttributes
    {
        try checkName(name)
        try rejectVirtual(parent, name: name)
        let entry = try data.catalog.create(
            name,
            in: parent,
            kind: .symbolicLink,
            mode: 0o777,
            uid: uid,
            gid: gid,
            linkTarget: target
        )
        countLookup(entry.id)
        return FileAttributes(entry)
    }

    public func readlink(_ id: Int64) throws -> String {
        try rejectVirtualRead(id)
        let link = try entry(id)
        guard let target = link.linkTarget else { throw PosixError.invalidArgument }
        // Following a link reads it: an access, as on local filesystems.
        accessTimes.accessed(overlay(link))
        return target
    }

    public func link(_ id: Int64, as name: String, in parent: Int64) throws -> FileAttributes {
        try checkName(name)
        try rejectVirtual(id, parent, name: name)
        let entry = try data.catalog.link(id, as: name, in: parent)
        countLookup(entry.id)
        return overlay(entry)
    }

    public func unlink(_ name: String, in parent: Int64) throws {
        try rejectVirtual(parent, name: name == VirtualTree.name ? nil : name)
        if parent == NamespaceEntry.rootID && name == VirtualTree.name { throw PosixError.readOnly }
        let entry = try data.catalog.remove(name, in: parent, directory: false)
        collect(entry.id)
    }

    public func rmdir(_ name: String, in parent: Int64) throws {
        try rejectVirtual(parent)
        if parent == NamespaceEntry.rootID && name == VirtualTree.name { throw PosixError.readOnly }
        let entry = try data.catalog.remove(name, in: parent, directory: true)
        collect(entry.id)
    }

    /// `flags` may hold `RENAME_NOREPLACE` (1) and `RENAME_EXCHANGE` (2).
    public func rename(_ name: String, in parent: Int64, to newName: String, in newParent: Int64, flags: UInt32) throws
    {
        try checkName(newName)
        try rejectVirtual(parent, newParent, name: newName)
        if parent == NamespaceEntry.rootID && name == VirtualTree.name { throw PosixError.readOnly }
        let noReplace = flags & 1 != 0
        let exchange = flags & 2 != 0
        if noReplace && exchange { throw PosixError.invalidArgument }
        if flags & ~3 != 0 { throw PosixError.invalidArgument }
        if let replaced = try data.catalog.rename(
            name,
            in: parent,
            to: newName,
            in: newParent,
            noReplace: noReplace,
            exchange: exchange
        ) {
            collect(replaced.id)
        }
    }

    public func setattr(_ id: Int64, _ changes: AttributeChanges) throws -> FileAttributes {
        try rejectVirtual(id)
        var entry = try entry(id)
        if let size = changes.size {
            guard entry.kind == .file else {
                throw entry.kind == .directory ? PosixError.isADirectory : PosixError.invalidArgument
            }
            let unchanged = try withLiveFile(entry) { file in
                let unchanged = try file.lock.withWriteLock {
                    try file.image.truncate(to: size)
                    Self.touchData(file, modified: changes.modified)
                    return !file.image.isDirty
                }
                if isClosed(file) && !unchanged { sealLater(id) }
                return unchanged
            }
            // A truncate to the size a file has changes no byte, but its times still move, as the catalog records.
            if unchanged && changes.modified == nil {
                entry = try data.catalog.setAttributes(id, .init(modified: .now))
            }
        }
        if changes.mode != nil || changes.uid != nil || changes.gid != nil || changes.accessed != nil
            || changes.modified != nil
        {
            // A time set explicitly wins over an access waiting to be recorded.
            if changes.accessed != nil { accessTimes.forget(id) }
            // The live file first: a group commit recording its version meanwhile then takes the new time.
            if let modified = changes.modified, let file = existingLiveFile(id) {
                file.lock.withWriteLock { file.modified = modified }
            }
            entry = try data.catalog.setAttributes(id, changes)
        }
        return overlay(entry)
    }

    // MARK: Files

    /// The largest size a file made through the mount may take (4 TiB: 2^18 parts of 16 MiB, the part size a new
    /// file gets when it is first made larger than 64 GiB); a truncate or write past it fails with `EFBIG`. A file
    /// that already has content keeps its part size and may grow to 2^18 of its parts (64 GiB for 256 KiB).
    public static let largestNewFile = FileImage.largestPristineSize

    /// Opens a file; `flags` are the open(2) flags.
    public func open(_ id: Int64, flags: Int32) throws -> UInt64 {
        if VirtualTree.isVirtual(id) {
            let file = pin(try virtualOpen(id, flags: flags), for: id)
            defer { unpin(file, id: id) }
            return addHandle(Handle(inode: id, writable: false, append: false), file: file)
        }
        return try open(try entry(id), flags: flags)
    }

    /// `accessing`: whether opening for reading records an access (not for a file just created).
    private func open(_ entry: NamespaceEntry, flags: Int32, accessing: Bool = true) throws -> UInt64 {
        let id = entry.id
        switch entry.kind {
        case .directory: throw PosixError.isADirectory
        case .symbolicLink: throw PosixError.invalidArgument
        // The kernel opens FIFOs and device nodes itself; only a socket can get here.
        case .fifo, .characterDevice, .blockDevice, .socket: throw PosixError.noSuchDeviceOrAddress
        case .file: break
        }
        let writable = flags & O_ACCMODE != O_RDONLY
        if accessing && flags & O_ACCMODE != O_WRONLY { accessTimes.accessed(overlay(entry)) }
        return try withLiveFile(entry) { file in
            if writable && flags & O_TRUNC != 0 {
                let unchanged = try file.lock.withWriteLock {
                    try file.image.truncate(to: 0)
                    Self.touchData(file)
                    return !file.image.isDirty
                }
                // An empty file truncated: no new version, but its times move.
                if unchanged { _ = try data.catalog.setAttributes(id, .init(modified: .now)) }
            }
            return addHandle(Handle(inode: id, writable: writable, append: flags & O_APPEND != 0), file: file)
        }
    }

    /// Creates and opens a file.
    public func create(_ name: String, in parent: Int64, mode: UInt32, flags: Int32, uid: UInt32, gid: UInt32) throws
        -> (FileAttributes, UInt64)
    {
        try checkName(name)
        try rejectVirtual(parent, name: name)
        let entry = try data.catalog.create(name, in: parent, kind: .file, mode: mode, uid: uid, gid: gid)
        countLookup(entry.id)
        let handle = try open(entry, flags: flags & ~O_TRUNC, accessing: false)
        return (FileAttributes(entry), handle)
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many (0 at the end).
    public func read(_ handle: UInt64, at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let (_, file) = try self.handle(handle)
        return try file.lock.withReadLock { try file.image.read(at: offset, into: buffer) }
    }

    /// Where bytes lie in a committed part's element: an open descriptor, the position in it and the length.
    public struct PartStretch {
        public let descriptor: Int32
        public let position: Int64
        public let length: Int
    }

    /// When the bytes asked for lie in unchanged committed parts, runs `body` with an open descriptor of each part
    /// and the stretch to read from it, in order (so the caller can splice them to the kernel without copying),
    /// and returns true; returns false when the caller must use `read`.
    public func readCommittedParts(
        _ handle: UInt64,
        at offset: Int64,
        size: Int,
        _ body: ([PartStretch]) -> Void
    ) throws -> Bool {
        let (_, file) = try self.handle(handle)
        return file.lock.withReadLock {
            guard let runs = file.image.committedRuns(at: offset, count: size) else { return false }
            var stretches: [PartStretch] = []
            stretches.reserveCapacity(runs.count)
            defer { for run in runs.prefix(stretches.count) { reader.release(run.hash) } }
            for run in runs {
                guard let descriptor = reader.acquire(run.hash) else { return false }
                stretches.append(PartStretch(descriptor: descriptor, position: Int64(run.within), length: run.length))
            }
            body(stretches)
            return true
        }
    }

    /// Writes `bytes` at `offset` (at the end for a handle opened with `O_APPEND`); returns how many.
    public func write(_ handle: UInt64, at offset: Int64, bytes: UnsafeRawBufferPointer) throws -> Int {
        let (handle, file) = try self.handle(handle)
        guard handle.writable else { throw PosixError.badHandle }
        try quota.admit(bytes.count)
        do {
            try file.lock.withWriteLock {
                try file.image.write(bytes, at: handle.append ? file.image.size : offset)
                Self.touchData(file)
                file.writtenSinceSeal += Int64(bytes.count)
            }
        } catch {
            quota.settle(Int64(bytes.count))
            throw error
        }
        return bytes.count
    }

    /// `lseek` with `SEEK_DATA` (`toData`) or `SEEK_HOLE`: where the next data or hole starts at or after `offset`;
    /// `ENXIO` at or past the end.
    public func seek(_ handle: UInt64, from offset: Int64, toData: Bool) throws -> Int64 {
        let (_, file) = try self.handle(handle)
        guard let found = file.lock.withReadLock({ file.image.seek(from: offset, toData: toData) }) else {
            throw PosixError.noSuchDeviceOrAddress
        }
        return found
    }

    /// Makes everything written through this handle, and the file's metadata, durable before returning.
    public func fsync(_ handle: UInt64) throws {
        let (handle, file) = try self.handle(handle)
        try submitIfDirty(handle.inode, file)
        try commitNow()
    }

    /// The last close of an open file description: a changed file becomes a new version (recorded by the next
    /// group commit).
    public func release(_ handle: UInt64) throws {
        guard let (_, file) = try? self.handle(handle), let removed = removeHandle(handle) else {
            throw PosixError.badHandle
        }
        if file.lock.withReadLock({ file.image.isDirty }) { sealLater(removed.inode) }
        collect(removed.inode)
    }

    // MARK: Filesystem

    public func statfs() throws -> FileSystemStatistics {
        let blockSize: UInt64 = 4096
        let used = UInt64(max(0, try data.catalog.storedBytes()))
        let available = UInt64(max(0, try data.storageBudget()))
        let total = try data.quota().map { UInt64($0) } ?? (used + available)
        let files = UInt64(try data.catalog.inodeCount())
        return FileSystemStatistics(
            blockSize: blockSize,
            blocks: max(total, used + available) / blockSize,
            freeBlocks: available / blockSize,
            files: files + 1_000_000,
            freeFiles: 1_000_000,
            nameMax: 255
        )
    }
}

extension MountedFileSystem {
    /// Seals every changed file and commits all pending versions durably (`syncfs`, `fsyncdir`, unmount).
    public func syncAll() throws {
        try recordAccessTimes()
        let live = existingLiveFiles()
        for (id, file) in live { try submitIfDirty(id, file) }
        try commitNow()
    }
}

extension MountedFileSystem {
    fileprivate func rejectVirtualRead(_ id: Int64) throws {
        if VirtualTree.isVirtual(id) { throw PosixError.invalidArgument }
    }
}
