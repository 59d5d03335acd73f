import Foundation
import GRDB
import Glibc
import ZenFS

/// Attribute changes a `setattr` asks for; nil fields stay as they are.
public struct AttributeChanges: Equatable, Sendable {
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var size: Int64?
    public var accessed: Timestamp?
    public var modified: Timestamp?
    /// Who asks: a change of owner keeps a file's set-group-ID (without group-execute) only for root or a member
    /// of the file's group. Nil is root.
    public var caller: Caller?

    public init(
        mode: UInt32? = nil,
        uid: UInt32? = nil,
        gid: UInt32? = nil,
        size: Int64? = nil,
        accessed: Timestamp? = nil,
        modified: Timestamp? = nil
    ) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.accessed = accessed
        self.modified = modified
    }
}

extension AttributeChanges {
    /// Whether the caller may keep the set-group-ID bit of a file in group `gid` across a change of its owner.
    func callerKeepsSetGroupID(_ gid: UInt32) -> Bool {
        guard let caller else { return true }
        return caller.uid == 0 || caller.gid == gid || caller.groups.contains(gid)
    }
}

/// The user a filesystem call is made for: its user and group ids and supplementary groups.
public struct Caller: Equatable, Sendable {
    public let uid: UInt32
    public let gid: UInt32
    public let groups: [UInt32]

    public init(uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}

/// A new version of a file's content, ready to be recorded.
struct ContentVersion {
    let inode: Int64
    let metainfo: Metainfo
    let element: SHA1Digest
    let elementSize: Int64
    /// The bytes of the version's parts that are not all zeros.
    let allocated: Int64
    /// The times of the change the version holds (the last write or truncate), unless `record` is told newer ones.
    let times: FileTimes
}

/// A file's modification and change times.
struct FileTimes: Equatable {
    let modified: Timestamp
    let changed: Timestamp
}

/// The namespace operations of the mounted filesystem, each one transaction. Inodes whose last name goes are
/// left for the caller to delete (`deleteInodeIfUnlinked`) once nothing has them open.
extension Catalog {
    public func inode(_ id: Int64) throws -> NamespaceEntry? {
        try pointReader.inode(id)
    }

    public func lookup(_ name: String, in parent: Int64) throws -> NamespaceEntry? {
        switch try pointReader.child(name, of: parent) {
        case .found(let entry): return entry
        case .missingParent, .notDirectory: return nil
        }
    }

    /// Looks a name up; when it is missing, says whether `parent` is a directory at all (in the same snapshot).
    public func lookupOrCheckParent(_ name: String, in parent: Int64) throws -> NamespaceEntry? {
        switch try pointReader.child(name, of: parent) {
        case .found(let entry): return entry
        case .missingParent: throw PosixError.notFound
        case .notDirectory: throw PosixError.notADirectory
        }
    }

    /// The parent directory of a directory (the root is its own parent).
    public func parent(ofDirectory id: Int64) throws -> Int64 {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT parent FROM dirent WHERE inode = ? LIMIT 1", arguments: [id]) ?? id
        }
    }

    /// Creates a directory, file, symbolic link or special file named `name` in directory `parent`; `device` is a
    /// device node's number.
    public func create(
        _ name: String,
        in parent: Int64,
        kind: NamespaceEntry.Kind,
        mode: UInt32,
        uid: UInt32,
        gid: UInt32,
        linkTarget: String? = nil,
        device: UInt64 = 0
    ) throws -> NamespaceEntry {
        // Built before the insert and numbered after it: reading it back would cost as much as the insert.
        let time = Timestamp.now
        let entry = NamespaceEntry(
            id: 0,
            parent: parent,
            name: name,
            kind: kind,
            mode: mode & 0o7777,
            uid: uid,
            gid: gid,
            linkCount: kind == .directory ? 2 : 1,
            size: Int64(linkTarget?.utf8.count ?? 0),
            accessed: time,
            modified: time,
            changed: time,
            infoHash: nil,
            contentOffset: nil,
            linkTarget: linkTarget,
            device: kind == .characterDevice || kind == .blockDevice ? device : 0
        )
        writeLock.lock()
        defer { writeLock.unlock() }
        return try creator.create(entry)
    }

    /// Adds another name for a file (a hard link).
    public func link(_ id: Int64, as name: String, in parent: Int64) throws -> NamespaceEntry {
        try write { db in
            try Self.requireDirectory(parent, in: db)
            guard let inode = try Self.inode(id, in: db) else { throw PosixError.notFound }
            if inode.kind == .directory { throw PosixError.permissionDenied }
            if try Self.child(name, of: parent, in: db) != nil { throw PosixError.exists }
            let now = Timestamp.now
            try db.execute(
                sql: "INSERT INTO dirent (parent, name, inode) VALUES (?, ?, ?)",
                arguments: [parent, name, id]
            )
            try db.execute(
                sql: "UPDATE inode SET nlink = nlink + 1, ctime = ? WHERE id = ?",
                arguments: [now.nanoseconds, id]
            )
            try Self.touch(parent, now: now, in: db)
            return try Self.child(name, of: parent, in: db)!
        }
    }

    /// Removes a name; for `directory`, only an empty directory. Returns the inode that lost the name.
    public func remove(_ name: String, in parent: Int64, directory: Bool) throws -> NamespaceEntry {
        try write { db in
            guard let entry = try Self.child(name, of: parent, in: db) else { throw PosixError.notFound }
            if directory {
                guard entry.kind == .directory else { throw PosixError.notADirectory }
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dirent WHERE parent = ?", arguments: [entry.id]) != 0
                {
                    throw PosixError.notEmpty
                }
            } else if entry.kind == .directory {
                throw PosixError.isADirectory
            }
            try Self.unlinkName(parent: parent, name: name, now: .now, in: db)
            return try Self.inode(entry.id, in: db)!
        }
    }

    /// Renames, with `RENAME_NOREPLACE` and `RENAME_EXCHANGE` semantics. Returns the inode that lost its last
    /// name by being replaced, if any.
    public func rename(
        _ name: String,
        in parent: Int64,
        to newName: String,
        in newParent: Int64,
        noReplace: Bool,
        exchange: Bool
    )
        throws -> NamespaceEntry?
    {
        try write { db in
            try Self.requireDirectory(newParent, in: db)
            guard let source = try Self.child(name, of: parent, in: db) else { throw PosixError.notFound }
            let target = try Self.child(newName, of: newParent, in: db)
            if source.kind == .directory, try Self.isAncestor(source.id, of: newParent, in: db) {
                throw PosixError.invalidArgument
            }
            let now = Timestamp.now
            if exchange {
                guard let target else { throw PosixError.notFound }
                if target.kind == .directory, try Self.isAncestor(target.id, of: parent, in: db) {
                    throw PosixError.invalidArgument
                }
                try db.execute(
                    sql: "UPDATE dirent SET inode = ? WHERE parent = ? AND name = ?",
                    arguments: [target.id, parent, name]
                )
                try db.execute(
                    sql: "UPDATE dirent SET inode = ? WHERE parent = ? AND name = ?",
                    arguments: [source.id, newParent, newName]
                )
                if parent != newParent {
                    let delta = (source.kind == .directory ? 1 : 0) - (target.kind == .directory ? 1 : 0)
                    try db.execute(sql: "UPDATE inode SET nlink = nlink - ? WHERE id = ?", arguments: [delta, parent])
                    try db.execute(
                        sql: "UPDATE inode SET nlink = nlink + ? WHERE id = ?",
                        arguments: [delta, newParent]
                    )
                }
                try Self.changed([source.id, target.id], now: now, in: db)
                try Self.touch(parent, now: now, in: db)
                try Self.touch(newParent, now: now, in: db)
                return nil
            }
            var replaced: NamespaceEntry?
            if let target {
                if target.id == source.id { return nil }
                if noReplace { throw PosixError.exists }
                switch (source.kind == .directory, target.kind == .directory) {
                case (true, false): throw PosixError.notADirectory
                case (false, true): throw PosixError.isADirectory
                case (true, true):
                    if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dirent WHERE parent = ?", arguments: [target.id])
                        != 0
                    {
                        throw PosixError.notEmpty
                    }
                default: break
                }
                try Self.unlinkName(parent: newParent, name: newName, now: now, in: db)
                replaced = try Self.inode(target.id, in: db)
            }
            try db.execute(sql: "DELETE FROM dirent WHERE parent = ? AND name = ?", arguments: [parent, name])
            try db.execute(
                sql: "INSERT INTO dirent (parent, name, inode) VALUES (?, ?, ?)",
                arguments: [newParent, newName, source.id]
            )
            if source.kind == .directory && parent != newParent {
                try db.execute(sql: "UPDATE inode SET nlink = nlink - 1 WHERE id = ?", arguments: [parent])
                try db.execute(sql: "UPDATE inode SET nlink = nlink + 1 WHERE id = ?", arguments: [newParent])
            }
            try Self.changed([source.id], now: now, in: db)
            try Self.touch(parent, now: now, in: db)
            try Self.touch(newParent, now: now, in: db)
            return replaced
        }
    }

    /// Applies attribute changes (size is applied by the caller's file image; here it is recorded only for
    /// files with no content yet or truncated to zero).
    public func setAttributes(_ id: Int64, _ changes: AttributeChanges) throws -> NamespaceEntry {
        try write { db in
            guard let current = try Self.inode(id, in: db) else { throw PosixError.notFound }
            var assignments = ["ctime = ?"]
            var arguments: [any DatabaseValueConvertible] = [Timestamp.now.nanoseconds]
            var mode = changes.mode
            // A change of owner or group clears set-user-ID of anything but a folder, and set-group-ID when
            // group-execute is set or the caller may not keep it, as local filesystems do.
            if changes.uid != nil || changes.gid != nil, current.kind != .directory {
                var kept = (mode ?? current.mode) & ~UInt32(S_ISUID)
                if kept & UInt32(S_IXGRP) != 0 || !changes.callerKeepsSetGroupID(current.gid) {
                    kept &= ~UInt32(S_ISGID)
                }
                if kept != current.mode || mode != nil { mode = kept }
            }
            if let mode { assignments.append("mode = ?"); arguments.append(mode & 0o7777) }
            if let uid = changes.uid { assignments.append("uid = ?"); arguments.append(uid) }
            if let gid = changes.gid { assignments.append("gid = ?"); arguments.append(gid) }
            if let accessed = changes.accessed {
                assignments.append("atime = ?"); arguments.append(accessed.nanoseconds)
            }
            if let modified = changes.modified {
                assignments.append("mtime = ?"); arguments.append(modified.nanoseconds)
            }
            arguments.append(id)
            try db.execute(
                sql: "UPDATE inode SET \(assignments.joined(separator: ", ")) WHERE id = ?",
                arguments: StatementArguments(arguments)
            )
            return try Self.inode(id, in: db)!
        }
    }

    /// Records new file contents (one group commit): indexes each metainfo, points its inode at it, and drops
    /// metainfos no inode holds any more. Versions of inodes deleted meanwhile are skipped. With `durable`, the
    /// transaction is synced to disk before it returns. `currentTimes` is asked, inside the transaction, for an
    /// inode's times as they are now (a `utimensat` after the version was sealed wins over the version's own).
    func record(
        _ versions: [ContentVersion],
        durable: Bool,
        diskBytes: [SHA1Digest: Int64] = [:],
        currentTimes: @escaping (Int64) -> FileTimes? = { _ in nil }
    ) throws {
        let body: (Database) throws -> Void = { db in
            for version in versions {
                guard let inode = try Self.inode(version.inode, in: db) else { continue }
                _ = try self.insertMetainfo(
                    version.metainfo,
                    element: version.element,
                    elementSize: version.elementSize,
                    now: version.times.modified.date,
                    diskBytes: diskBytes,
                    in: db
                )
                let times = currentTimes(version.inode) ?? version.times
                try db.execute(
                    sql: """
                        UPDATE inode SET info_hash = ?, content_offset = 0, size = ?, allocated = ?, mtime = ?,
                            ctime = MAX(ctime, ?)
                        WHERE id = ?
                        """,
                    arguments: [
                        version.metainfo.infoHash.blob, version.metainfo.info.totalLength, version.allocated,
                        times.modified.nanoseconds, times.changed.nanoseconds, version.inode,
                    ]
                )
                if inode.infoHash != version.metainfo.infoHash { _ = try self.releaseIfUnheld(inode.infoHash, in: db) }
            }
        }
        writeLock.lock()
        defer { writeLock.unlock() }
        do {
            try pool.writeWithoutTransaction { db in
                if durable { try db.execute(sql: "PRAGMA synchronous = FULL") }
                defer { if durable { try? db.execute(sql: "PRAGMA synchronous = \(self.synchronousMode)") } }
                try db.inTransaction {
                    try body(db)
                    return .commit
                }
            }
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Records access times (one transaction for all); inodes deleted meanwhile are skipped. The change time
    /// stays: an access changes no attribute.
    public func recordAccessTimes(_ times: [Int64: Timestamp]) throws {
        guard !times.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(sql: "UPDATE inode SET atime = ? WHERE id = ?")
            for (id, time) in times { try statement.execute(arguments: [time.nanoseconds, id]) }
        }
    }

    /// Deletes inodes with no name left: those a crash left behind while they were open.
    public func deleteUnlinkedInodes() throws -> Int {
        try write { db in
            let ids = try Int64.fetchAll(
                db,
                sql: "SELECT id FROM inode WHERE id != 1 AND NOT EXISTS (SELECT 1 FROM dirent WHERE inode = inode.id)"
            )
            for id in ids { _ = try deleteInodeIfUnlinked(id, in: db) }
            return ids.count
        }
    }

    /// Deletes an inode that has no name left (after the last close or forget).
    public func deleteIfUnlinked(_ id: Int64) throws {
        try write { db in _ = try deleteInodeIfUnlinked(id, in: db) }
    }

    /// How many inodes exist.
    public func inodeCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inode") ?? 0 }
    }

    static func requireDirectory(_ id: Int64, in db: Database) throws {
        guard let inode = try inode(id, in: db) else { throw PosixError.notFound }
        guard inode.kind == .directory else { throw PosixError.notADirectory }
    }

    /// Whether `ancestor` is `id` or one of its parents.
    private static func isAncestor(_ ancestor: Int64, of id: Int64, in db: Database) throws -> Bool {
        var current = id
        for _ in 0..<4096 {
            if current == ancestor { return true }
            guard
                let parent = try Int64.fetchOne(
                    db,
                    sql: "SELECT parent FROM dirent WHERE inode = ? LIMIT 1",
                    arguments: [current]
                ),
                parent != current
            else { return false }
            current = parent
        }
        return false
    }

    private static func changed(_ ids: [Int64], now: Timestamp, in db: Database) throws {
        for id in ids {
            try db.execute(sql: "UPDATE inode SET ctime = ? WHERE id = ?", arguments: [now.nanoseconds, id])
        }
    }
}

/// Extended attributes of inodes.
extension Catalog {
    public func extendedAttribute(_ name: String, of id: Int64) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM xattr WHERE inode = ? AND name = ?", arguments: [id, name])
                .map { [UInt8]($0) }
        }
    }

    public func extendedAttributeNames(of id: Int64) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT name FROM xattr WHERE inode = ? ORDER BY name", arguments: [id])
        }
    }

    /// Sets an attribute; `create` fails if it exists, `replace` fails if it does not.
    public func setExtendedAttribute(_ name: String, of id: Int64, to value: [UInt8], create: Bool, replace: Bool)
        throws
    {
        try write { db in
            let exists =
                try Bool.fetchOne(db, sql: "SELECT 1 FROM xattr WHERE inode = ? AND name = ?", arguments: [id, name])
                ?? false
            if create && exists { throw PosixError.exists }
            if replace && !exists { throw PosixError.noSuchAttribute }
            try db.execute(
                sql: "INSERT OR REPLACE INTO xattr (inode, name, value) VALUES (?, ?, ?)",
                arguments: [id, name, Data(value)]
            )
            try db.execute(
                sql: "UPDATE inode SET ctime = ? WHERE id = ?",
                arguments: [Timestamp.now.nanoseconds, id]
            )
        }
    }

    public func removeExtendedAttribute(_ name: String, of id: Int64) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM xattr WHERE inode = ? AND name = ?", arguments: [id, name])
            if db.changesCount == 0 { throw PosixError.noSuchAttribute }
            try db.execute(sql: "UPDATE inode SET ctime = ? WHERE id = ?", arguments: [Timestamp.now.nanoseconds, id])
        }
    }
}

extension Catalog {
    /// One of the names of an inode (the first by directory and name), for naming its metainfo.
    public func name(of id: Int64) throws -> String? {
        try read { db in
            try String.fetchOne(
                db,
                sql: "SELECT name FROM dirent WHERE inode = ? ORDER BY parent, name LIMIT 1",
                arguments: [id]
            )
        }
    }
}
