import Foundation
import GRDB
import ZenFS

extension Catalog {
    /// Splits `/a/b/c` (leading slash optional) into checked components; `/` is the root, `[]`.
    public static func components(of path: String) throws(NamespaceError) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for part in parts {
            do { try PathRules.check(part, field: "path") } catch {
                throw .invalidPath(path: path, reason: "\(error)")
            }
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
            try Row.fetchAll(db, sql: "SELECT * FROM entry WHERE parent = ? ORDER BY name", arguments: [id])
                .map(NamespaceEntry.init(row:))
        }
    }

    /// How many namespace entries name this metainfo.
    public func entryCount(naming infoHash: SHA1Digest) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry WHERE info_hash = ?", arguments: [infoHash.blob]) ?? 0
        }
    }

    static func entry(at components: [String], in db: Database) throws -> NamespaceEntry? {
        var current = try Row.fetchOne(db, sql: "SELECT * FROM entry WHERE id = ?", arguments: [NamespaceEntry.rootID])
        for component in components {
            guard let row = current else { return nil }
            current = try Row.fetchOne(
                db,
                sql: "SELECT * FROM entry WHERE parent = ? AND name = ?",
                arguments: [row["id"] as Int64, component]
            )
        }
        return current.map(NamespaceEntry.init(row:))
    }

    /// Places a metainfo's content at `path`: one file entry for a single-file metainfo, or a folder with its
    /// tree. Missing parent directories are created. Returns false when exactly this content is already there.
    func place(_ metainfo: Metainfo, at path: [String], now: Date, in db: Database) throws -> Bool {
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
        if !info.isMultiFile {
            try insertEntry(
                parent: parent,
                name: name,
                kind: .file,
                size: info.totalLength,
                now: now,
                infoHash: metainfo.infoHash,
                offset: 0,
                in: db
            )
            return true
        }
        let top = try insertEntry(
            parent: parent,
            name: name,
            kind: .directory,
            size: 0,
            now: now,
            infoHash: metainfo.infoHash,
            offset: nil,
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
                    folder = try insertEntry(
                        parent: folder,
                        name: prefix.last!,
                        kind: .directory,
                        size: 0,
                        now: now,
                        infoHash: nil,
                        offset: nil,
                        in: db
                    )
                    folders[prefix] = folder
                }
            }
            try insertEntry(
                parent: folder,
                name: file.path.last!,
                kind: .file,
                size: file.length,
                now: now,
                infoHash: metainfo.infoHash,
                offset: file.offset,
                in: db
            )
        }
        return true
    }

    private func makeDirectories(_ components: [String], now: Date, in db: Database) throws -> Int64 {
        var parent = NamespaceEntry.rootID
        for (depth, component) in components.enumerated() {
            if let row = try Row.fetchOne(
                db,
                sql: "SELECT * FROM entry WHERE parent = ? AND name = ?",
                arguments: [parent, component]
            ) {
                let entry = NamespaceEntry(row: row)
                guard entry.kind == .directory else {
                    throw NamespaceError.notADirectory(path: "/" + components[0...depth].joined(separator: "/"))
                }
                parent = entry.id
            } else {
                parent = try insertEntry(
                    parent: parent,
                    name: component,
                    kind: .directory,
                    size: 0,
                    now: now,
                    infoHash: nil,
                    offset: nil,
                    in: db
                )
            }
        }
        return parent
    }

    @discardableResult
    private func insertEntry(
        parent: Int64,
        name: String,
        kind: NamespaceEntry.Kind,
        size: Int64,
        now: Date,
        infoHash: SHA1Digest?,
        offset: Int64?,
        in db: Database
    ) throws -> Int64 {
        let mode: UInt32 = kind == .directory ? 0o755 : 0o644
        let time = now.timeIntervalSince1970
        try db.execute(
            sql: """
                INSERT INTO entry (parent, name, kind, mode, size, mtime, ctime, info_hash, content_offset)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [parent, name, kind.rawValue, mode, size, time, time, infoHash?.blob, offset]
        )
        return db.lastInsertedRowID
    }

    /// Removes the entry at `path` and everything below it. Metainfos no entry names any more leave the index,
    /// releasing their elements for `gc`. Returns the info-hashes that left the index.
    public func removeEntry(atPath path: String) throws -> [SHA1Digest] {
        let components = try Self.components(of: path)
        guard !components.isEmpty else {
            throw NamespaceError.invalidPath(path: path, reason: "the root cannot be removed")
        }
        return try write { db in
            guard let entry = try Self.entry(at: components, in: db) else { throw NamespaceError.notFound(path: path) }
            let subtree = """
                WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT e.id FROM entry e JOIN tree ON e.parent = tree.id)
                """
            let touched = try Data.fetchAll(
                db,
                sql: "\(subtree) SELECT DISTINCT info_hash FROM entry WHERE id IN tree AND info_hash IS NOT NULL",
                arguments: [entry.id]
            ).compactMap(SHA1Digest.init(blob:))
            try db.execute(sql: "\(subtree) DELETE FROM entry WHERE id IN tree", arguments: [entry.id])
            var released: [SHA1Digest] = []
            for infoHash in touched {
                let remaining =
                    try Int.fetchOne(
                        db,
                        sql: "SELECT COUNT(*) FROM entry WHERE info_hash = ?",
                        arguments: [infoHash.blob]
                    ) ?? 0
                if remaining == 0 {
                    try deleteMetainfo(infoHash, in: db)
                    released.append(infoHash)
                }
            }
            return released
        }
    }
}
