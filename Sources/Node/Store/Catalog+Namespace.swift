import Foundation
import GRDB
import ZenFS

extension Catalog {
    /// Selects an entry reached through a directory entry: `WHERE d.parent = ? AND d.name = ?` and the like follow.
    static let entryByName =
        "SELECT i.*, d.parent AS parent, d.name AS name FROM dirent d JOIN inode i ON i.id = d.inode"

    /// Splits `/a/b/c` (leading slash optional) into checked components; `/` is the root, `[]`.
    public static func components(of path: String) throws(NamespaceError) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for part in parts {
            do { try PathRules.check(part, field: "path") } catch { throw .invalidPath(path: path, reason: "\(error)") }
        }
        return parts
    }

    /// The entry at `path`, or nil.
    public func entry(atPath path: String) throws -> NamespaceEntry? {
        let components = try Self.components(of: path)
        return try read { db in try Self.entry(at: components, in: db) }
    }

    /// The entries directly inside directory `id`, by name.
    public func children(of id: Int64) throws -> [NamespaceEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "\(Self.entryByName) WHERE d.parent = ? ORDER BY d.name", arguments: [id])
                .map(NamespaceEntry.init(row:))
        }
    }

    // The two hottest queries use cached statements: preparing a statement anew costs more than running it.
    static func inode(_ id: Int64, in db: Database) throws -> NamespaceEntry? {
        let statement = try db.cachedStatement(sql: "SELECT *, NULL AS parent, '' AS name FROM inode WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(NamespaceEntry.init(row:))
    }

    static func child(_ name: String, of parent: Int64, in db: Database) throws -> NamespaceEntry? {
        let statement = try db.cachedStatement(sql: "\(entryByName) WHERE d.parent = ? AND d.name = ?")
        return try Row.fetchOne(statement, arguments: [parent, name]).map(NamespaceEntry.init(row:))
    }

    static func entry(at components: [String], in db: Database) throws -> NamespaceEntry? {
        var current = try inode(NamespaceEntry.rootID, in: db)
        for component in components {
            guard let entry = current else { return nil }
            current = try child(component, of: entry.id, in: db)
        }
        return current
    }

    /// Places a metainfo's content at `path`: one file for a single-file metainfo, or a folder with its tree.
    /// Missing parent directories are created. Returns false when exactly this content is already there.
    func place(_ metainfo: Metainfo, at path: [String], now date: Date, in db: Database) throws -> Bool {
        let now = Timestamp(date)
        let displayPath = "/" + path.joined(separator: "/")
        let info = metainfo.info
        if let existing = try Self.entry(at: path, in: db) {
            if existing.infoHash == metainfo.infoHash && existing.kind == (info.isMultiFile ? .directory : .file) {
                return false
            }
            throw NamespaceError.alreadyExists(path: displayPath)
        }
        guard let name = path.last else { throw NamespaceError.alreadyExists(path: "/") }
        let parent = try makeDirectories(Array(path.dropLast()), now: now, in: db)
        let content = InodeContent(infoHash: metainfo.infoHash, offset: 0)
        if !info.isMultiFile {
            try Self.insertInode(
                parent: parent,
                name: name,
                kind: .file,
                mode: 0o644,
                size: info.totalLength,
                now: now,
                content: content,
                in: db
            )
            return true
        }
        let top = try Self.insertInode(
            parent: parent,
            name: name,
            kind: .directory,
            mode: 0o755,
            now: now,
            content: content,
            in: db
        )
        var folders: [[String]: Int64] = [[]: top]
        for file in info.dataFiles {
            var folder = top
            for depth in 1..<file.path.count {
                let prefix = Array(file.path[0..<depth])
                if let known = folders[prefix] {
                    folder = known
                } else {
                    folder = try Self.insertInode(
                        parent: folder,
                        name: prefix.last!,
                        kind: .directory,
                        mode: 0o755,
                        now: now,
                        in: db
                    )
                    folders[prefix] = folder
                }
            }
            try Self.insertInode(
                parent: folder,
                name: file.path.last!,
                kind: .file,
                mode: 0o644,
                size: file.length,
                now: now,
                content: InodeContent(infoHash: metainfo.infoHash, offset: file.offset),
                in: db
            )
        }
        return true
    }

    private func makeDirectories(_ components: [String], now: Timestamp, in db: Database) throws -> Int64 {
        var parent = NamespaceEntry.rootID
        for (depth, component) in components.enumerated() {
            if let entry = try Self.child(component, of: parent, in: db) {
                guard entry.kind == .directory else {
                    throw NamespaceError.notADirectory(path: "/" + components[0...depth].joined(separator: "/"))
                }
                parent = entry.id
            } else {
                parent = try Self.insertInode(
                    parent: parent,
                    name: component,
                    kind: .directory,
                    mode: 0o755,
                    now: now,
                    in: db
                )
            }
        }
        return parent
    }

    /// Removes the entry at `path` and everything below it. Inodes no other name links to are deleted, and
    /// metainfos no inode holds any more leave the index, releasing their elements for `gc`. Returns the
    /// info-hashes that left the index.
    public func removeEntry(atPath path: String) throws -> [SHA1Digest] {
        let components = try Self.components(of: path)
        guard let name = components.last else {
            throw NamespaceError.invalidPath(path: path, reason: "the root cannot be removed")
        }
        return try write { db in
            guard let entry = try Self.entry(at: components, in: db), let parent = entry.parent else {
                throw NamespaceError.notFound(path: path)
            }
            return try removeTree(parent: parent, name: name, entry: entry, now: .now, in: db)
        }
    }

    private func removeTree(parent: Int64, name: String, entry: NamespaceEntry, now: Timestamp, in db: Database) throws
        -> [SHA1Digest]
    {
        var released: [SHA1Digest] = []
        if entry.kind == .directory {
            for child in try Row.fetchAll(db, sql: "\(Self.entryByName) WHERE d.parent = ?", arguments: [entry.id])
                .map(NamespaceEntry.init(row:))
            {
                released += try removeTree(parent: entry.id, name: child.name, entry: child, now: now, in: db)
            }
        }
        try Self.unlinkName(parent: parent, name: name, now: now, in: db)
        if let infoHash = try deleteInodeIfUnlinked(entry.id, in: db) { released.append(infoHash) }
        return released
    }
}

/// Where an inode's bytes live: a range of a metainfo's stream starting at `offset`.
struct InodeContent {
    let infoHash: SHA1Digest
    let offset: Int64
}
