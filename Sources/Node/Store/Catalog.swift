import Foundation
import GRDB
import ZenFS

/// The node's SQLite catalog (WAL, synchronous commits): the namespace, the metainfo index with its searchable
/// fields and tags, and the element reference counts. Every multi-row change is one transaction.
public final class Catalog: Sendable {
    let pool: DatabasePool
    /// `FULL` syncs every transaction; `NORMAL` (the mount's choice) survives a killed process but may lose the
    /// last transactions on power loss, except those recorded with `durable`.
    let synchronousMode: String
    /// Point reads outside GRDB's pool (the mount's hot path).
    let pointReader: CatalogPointReader
    /// Creation of namespace entries outside GRDB's pool (one per file the mount creates).
    let creator: NamespaceCreator
    /// Held by every write of this process, GRDB's and the creator's, so they queue here instead of polling
    /// SQLite's lock (whose busy handler sleeps milliseconds at a time).
    let writeLock = NSLock()
    /// The folder holding the catalog (its free space tells a full disk from other I/O errors).
    let directory: String
    /// Frees a little space on the catalog's disk when a write finds it full; true when the write may be tried
    /// again.
    let makeRoom: (@Sendable () -> Bool)?

    /// Opens or creates the catalog at `path` and brings its schema up to date. A disk too full to open it
    /// (SQLite cannot size its shared-memory file) is reported as `diskFull`.
    public init(
        path: String,
        syncEveryTransaction: Bool = true,
        makeRoom: (@Sendable () -> Bool)? = nil
    ) throws(StoreError) {
        let mode = syncEveryTransaction ? "FULL" : "NORMAL"
        directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        self.makeRoom = makeRoom
        synchronousMode = mode
        pointReader = CatalogPointReader(path: path)
        creator = NamespaceCreator(path: path, synchronousMode: mode)
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(mode)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try CatalogMigrations.migrator.migrate(pool)
        } catch {
            if case StoreError.diskFull = Self.mapped(error, directory: directory) { throw .diskFull(path: path) }
            throw .catalog("cannot open \(path): \(error)")
        }
    }

    /// Runs a read in a snapshot, mapping database errors.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw Self.mapped(error, directory: directory) }
    }

    /// Runs a write in one transaction, mapping database errors. A write that finds the disk full is tried once
    /// more after `makeRoom` has freed some space.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        writeLock.lock()
        defer { writeLock.unlock() }
        do { return try pool.write(body) } catch {
            let mapped = Self.mapped(error, directory: directory)
            guard case StoreError.diskFull = mapped, let makeRoom, makeRoom() else { throw mapped }
        }
        do { return try pool.write(body) } catch { throw Self.mapped(error, directory: directory) }
    }

    /// Database failures become `StoreError`s; the catalog's own typed errors pass through unchanged. SQLite
    /// reports a full disk as `SQLITE_FULL`, or, when it cannot size its shared-memory file or journal, as an
    /// I/O error: one of those while the catalog's disk (`directory`) has next to nothing free is `diskFull`.
    static func mapped(_ error: any Error, directory: String? = nil) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        let path = directory.map { $0 + "/catalog.sqlite" } ?? "catalog.sqlite"
        if error.resultCode == .SQLITE_FULL { return StoreError.diskFull(path: path) }
        if error.resultCode == .SQLITE_IOERR, let directory, let free = Self.freeBytes(at: directory),
            free < Self.nearlyFull
        {
            return StoreError.diskFull(path: path)
        }
        return StoreError.catalog("\(error)")
    }

    /// Below this much free space, an I/O error of SQLite's is taken for a full disk.
    static let nearlyFull: Int64 = 256 << 10

    private static func freeBytes(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// A setting's value.
    public func setting(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    /// Sets (or with nil, clears) a setting.
    public func setSetting(_ key: String, _ value: String?) throws {
        try write { db in
            if let value {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
                    arguments: [key, value]
                )
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
    }

    /// The bytes of all elements the catalog knows, as the disk holds them: an element whose zero tail is a
    /// hole counts what it takes (its `disk_bytes`), one recorded without that figure counts its whole length.
    public func storedBytes() throws -> Int64 {
        try read { db in try storedBytes(in: db) }
    }

    /// The bytes of all elements, inside a transaction the caller holds.
    func storedBytes(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(COALESCE(disk_bytes, size)), 0) FROM element") ?? 0
    }

    /// SQLite's own consistency check plus the catalog's invariants; returns what is wrong, empty when all is well.
    public func integrityProblems() throws -> [String] {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            problems += try String.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            let wrongCounts =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM element e WHERE e.refs !=
                            (SELECT COUNT(*) FROM metainfo_piece p WHERE p.hash = e.hash)
                          + (SELECT COUNT(*) FROM metainfo m WHERE m.element = e.hash)
                        """
                ) ?? 0
            if wrongCounts > 0 { problems.append("\(wrongCounts) elements have a wrong reference count") }
            let unknownParts =
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) FROM metainfo_piece p WHERE NOT EXISTS (SELECT 1 FROM element e WHERE e.hash = p.hash)"
                )
                ?? 0
            if unknownParts > 0 { problems.append("\(unknownParts) metainfo pieces name no known element") }
            return problems
        }
    }
}

extension SHA1Digest {
    /// The digest as an SQLite blob.
    var blob: Data { Data(bytes) }

    init?(blob: Data?) {
        guard let blob else { return nil }
        self.init(bytes: [UInt8](blob))
    }
}
