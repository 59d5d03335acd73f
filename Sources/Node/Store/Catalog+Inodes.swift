import Foundation
import GRDB
import ZenFS

extension Catalog {
    /// Inserts an inode and its name in `parent`; returns its number. Fails with `alreadyExists` if taken.
    @discardableResult
    static func insertInode(
        parent: Int64,
        name: String,
        kind: NamespaceEntry.Kind,
        mode: UInt32,
        uid: UInt32 = 0,
        gid: UInt32 = 0,
        size: Int64 = 0,
        now: Timestamp,
        content: InodeContent? = nil,
        linkTarget: String? = nil,
        in db: Database
    ) throws -> Int64 {
        if try nameExists(name, in: parent, db) { throw NamespaceError.alreadyExists(path: name) }
        let time = now.nanoseconds
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: nextInodeNumber)) else {
            throw StoreError.catalog("cannot number a new inode")
        }
        try db.cachedStatement(sql: recordInodeNumber).execute(arguments: [id])
        try db.cachedStatement(
            sql: """
                INSERT INTO inode (id, kind, mode, uid, gid, nlink, size, atime, mtime, ctime, info_hash, content_offset, link_target)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, kind.rawValue, mode & 0o7777, uid, gid, kind == .directory ? 2 : 1, size, time, time, time,
            content?.infoHash.blob, content?.offset, linkTarget,
        ]
        )
        try db.cachedStatement(sql: "INSERT INTO dirent (parent, name, inode) VALUES (?, ?, ?)").execute(arguments: [
            parent, name, id,
        ])
        if kind == .directory {
            try db.cachedStatement(sql: "UPDATE inode SET nlink = nlink + 1 WHERE id = ?").execute(arguments: [parent])
        }
        try touch(parent, now: now, in: db)
        return id
    }

    /// The number of the next inode: above every inode that exists or ever existed. Numbers are never reused, so
    /// a kernel that still caches a deleted inode (removed by `zenfs rm` under a mount) never confuses it with a
    /// new one, whose bytes it would then serve from the old one's cache.
    static let nextInodeNumber = """
        SELECT MAX(
            COALESCE((SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'inode_high_water'), 0),
            COALESCE((SELECT MAX(id) FROM inode), 0)
        ) + 1
        """
    /// Records the number just given (`?1`) as the highest ever.
    static let recordInodeNumber =
        "INSERT OR REPLACE INTO setting (key, value) VALUES ('inode_high_water', CAST(?1 AS TEXT))"

    /// Whether directory `parent` has an entry named `name`.
    static func nameExists(_ name: String, in parent: Int64, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM dirent WHERE parent = ? AND name = ?"),
            arguments: [parent, name]
        ) ?? false
    }

    /// Removes the name `name` from `parent` and drops the inode's link count (a directory's parent loses the
    /// link its `..` held). The inode itself stays until `deleteInodeIfUnlinked`.
    static func unlinkName(parent: Int64, name: String, now: Timestamp, in db: Database) throws {
        guard let entry = try child(name, of: parent, in: db) else { throw NamespaceError.notFound(path: name) }
        try db.cachedStatement(sql: "DELETE FROM dirent WHERE parent = ? AND name = ?").execute(arguments: [
            parent, name,
        ])
        let drop = entry.kind == .directory ? 2 : 1
        try db.cachedStatement(sql: "UPDATE inode SET nlink = MAX(0, nlink - ?), ctime = ? WHERE id = ?").execute(
            arguments: [drop, now.nanoseconds, entry.id]
        )
        if entry.kind == .directory {
            try db.cachedStatement(sql: "UPDATE inode SET nlink = nlink - 1 WHERE id = ?").execute(arguments: [parent])
        }
        try touch(parent, now: now, in: db)
    }

    /// Deletes an inode whose last name is gone, releasing its metainfo if nothing else holds it. Returns the
    /// released info-hash. Callers that keep inodes alive while open (the mount) check that first.
    func deleteInodeIfUnlinked(_ id: Int64, in db: Database) throws -> SHA1Digest? {
        guard let inode = try Self.inode(id, in: db), inode.linkCount <= 0 || inode.kind == .directory,
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dirent WHERE inode = ?", arguments: [id]) == 0
        else { return nil }
        try db.cachedStatement(sql: "DELETE FROM inode WHERE id = ?").execute(arguments: [id])
        return try releaseIfUnheld(inode.infoHash, in: db)
    }

    /// Drops a metainfo from the index when no inode holds it any more; returns it if dropped.
    func releaseIfUnheld(_ infoHash: SHA1Digest?, in db: Database) throws -> SHA1Digest? {
        guard let infoHash else { return nil }
        let holders = try Int.fetchOne(
            db,
            sql: "SELECT COUNT(*) FROM inode WHERE info_hash = ?",
            arguments: [infoHash.blob]
        )
        guard holders == 0 else { return nil }
        try deleteMetainfo(infoHash, in: db)
        return infoHash
    }

    /// Sets a directory's modification and change times (its entries changed).
    static func touch(_ id: Int64, now: Timestamp, in db: Database) throws {
        let time = now.nanoseconds
        try db.cachedStatement(sql: "UPDATE inode SET mtime = ?, ctime = ? WHERE id = ?").execute(arguments: [
            time, time, id,
        ])
    }
}
