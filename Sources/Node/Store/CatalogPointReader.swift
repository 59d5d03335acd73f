import Foundation
import GRDBSQLite
import ZenFS

/// Point reads of the catalog (an inode by number, a name in a directory, where a metainfo is stored) on plain
/// read-only SQLite connections with prepared statements, for the mount's hottest calls: a read through GRDB's pool costs several times the query
/// itself. Each read is one statement in autocommit, so it sees every transaction committed before it, whichever
/// process wrote it. Connections are pooled: a thread takes one for a read and gives it back.
final class CatalogPointReader: Sendable {
    private let path: String
    private let idle = Locked<[Connection]>([])
    /// Connections kept for reuse; more may exist while many threads read at once.
    private static let keptConnections = 16

    static let entryColumns =
        "i.id, i.kind, i.mode, i.uid, i.gid, i.nlink, i.size, i.atime, i.mtime, i.ctime, i.info_hash, i.content_offset, i.link_target, i.rdev, i.allocated"

    init(path: String) {
        self.path = path
    }

    /// The inode numbered `id` (reached by number, so without parent or name).
    func inode(_ id: Int64) throws(StoreError) -> NamespaceEntry? {
        try withConnection { connection throws(StoreError) in
            let statement = connection.inodeByNumber
            defer { sqlite3_reset(statement) }
            sqlite3_bind_int64(statement, 1, id)
            guard try connection.step(statement) else { return nil }
            return Self.entry(statement, firstColumn: 0, parent: nil, name: "")
        }
    }

    /// What `name` in directory `parent` is, in one snapshot: `.missingParent` when there is no inode `parent`,
    /// `.notDirectory` when it is not a directory, else the entry (nil when the name is absent).
    func child(_ name: String, of parent: Int64) throws(StoreError) -> ChildLookup {
        try withConnection { connection throws(StoreError) in
            let statement = connection.childByName
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            sqlite3_bind_int64(statement, 1, parent)
            sqlite3_bind_text(statement, 2, name, -1, sqliteTransient)
            guard try connection.step(statement) else { return .missingParent }
            guard sqlite3_column_int64(statement, 0) == Int64(NamespaceEntry.Kind.directory.rawValue) else {
                return .notDirectory
            }
            guard sqlite3_column_type(statement, 1) != SQLITE_NULL else { return .found(nil) }
            return .found(Self.entry(statement, firstColumn: 1, parent: parent, name: name))
        }
    }

    /// The element holding the bytes of the indexed metainfo `infoHash`; nil when it is not indexed.
    func metainfoElement(_ infoHash: SHA1Digest) throws(StoreError) -> SHA1Digest? {
        try withConnection { connection throws(StoreError) in
            let statement = connection.metainfoElement
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            infoHash.bytes.withUnsafeBytes { bytes in
                _ = sqlite3_bind_blob(statement, 1, bytes.baseAddress, Int32(bytes.count), sqliteTransient)
            }
            guard try connection.step(statement), let blob = sqlite3_column_blob(statement, 0) else { return nil }
            let count = Int(sqlite3_column_bytes(statement, 0))
            return SHA1Digest(bytes: UnsafeRawBufferPointer(start: blob, count: count))
        }
    }

    /// The result of a lookup by name.
    enum ChildLookup {
        case found(NamespaceEntry?)
        case missingParent
        case notDirectory
    }

    private func withConnection<T>(_ body: (Connection) throws(StoreError) -> T) throws(StoreError) -> T {
        let connection: Connection
        if let reused = idle.withLock({ $0.popLast() }) {
            connection = reused
        } else {
            connection = try Connection(path: path)
        }
        defer {
            idle.withLock { connections in
                if connections.count < Self.keptConnections { connections.append(connection) }
            }
        }
        return try body(connection)
    }

    private static func entry(_ statement: OpaquePointer, firstColumn: Int32, parent: Int64?, name: String)
        -> NamespaceEntry
    {
        func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, firstColumn + column) }
        func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, firstColumn + column) == SQLITE_NULL }
        var infoHash: SHA1Digest?
        if !isNull(10), let bytes = sqlite3_column_blob(statement, firstColumn + 10) {
            let count = Int(sqlite3_column_bytes(statement, firstColumn + 10))
            infoHash = SHA1Digest(bytes: UnsafeRawBufferPointer(start: bytes, count: count))
        }
        var linkTarget: String?
        if !isNull(12), let text = sqlite3_column_text(statement, firstColumn + 12) {
            linkTarget = String(cString: text)
        }
        return NamespaceEntry(
            id: integer(0),
            parent: parent,
            name: name,
            kind: NamespaceEntry.Kind(rawValue: Int(integer(1))) ?? .file,
            mode: UInt32(truncatingIfNeeded: integer(2)),
            uid: UInt32(truncatingIfNeeded: integer(3)),
            gid: UInt32(truncatingIfNeeded: integer(4)),
            linkCount: Int(integer(5)),
            size: integer(6),
            accessed: Timestamp(nanoseconds: integer(7)),
            modified: Timestamp(nanoseconds: integer(8)),
            changed: Timestamp(nanoseconds: integer(9)),
            infoHash: infoHash,
            contentOffset: isNull(11) ? nil : integer(11),
            linkTarget: linkTarget,
            device: UInt64(bitPattern: integer(13)),
            allocated: isNull(14) ? nil : integer(14)
        )
    }

    /// One read-only connection and its prepared statements; used by one thread at a time.
    private final class Connection: @unchecked Sendable {
        let database: OpaquePointer
        let inodeByNumber: OpaquePointer
        let childByName: OpaquePointer
        let metainfoElement: OpaquePointer

        init(path: String) throws(StoreError) {
            var handle: OpaquePointer?
            let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
                let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite3_close(handle)
                throw .catalog("cannot open \(path) for reading: \(message)")
            }
            sqlite3_busy_timeout(handle, 30_000)
            func prepare(_ sql: String) throws(StoreError) -> OpaquePointer {
                var statement: OpaquePointer?
                guard
                    sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
                        == SQLITE_OK, let statement
                else { throw .catalog("cannot prepare a namespace read: \(String(cString: sqlite3_errmsg(handle)))") }
                return statement
            }
            do {
                inodeByNumber = try prepare("SELECT \(CatalogPointReader.entryColumns) FROM inode i WHERE i.id = ?1")
                childByName = try prepare(
                    """
                    SELECT p.kind, \(CatalogPointReader.entryColumns) FROM inode p
                    LEFT JOIN dirent d ON d.parent = p.id AND d.name = ?2
                    LEFT JOIN inode i ON i.id = d.inode
                    WHERE p.id = ?1
                    """
                )
                metainfoElement = try prepare("SELECT element FROM metainfo WHERE info_hash = ?1")
            } catch {
                sqlite3_close_v2(handle)
                throw error
            }
            database = handle
        }

        /// Steps a statement: true with a row, false when done.
        func step(_ statement: OpaquePointer) throws(StoreError) -> Bool {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            case let code:
                throw .catalog("namespace read failed: \(String(cString: sqlite3_errstr(code)))")
            }
        }

        deinit {
            sqlite3_finalize(inodeByNumber)
            sqlite3_finalize(childByName)
            sqlite3_finalize(metainfoElement)
            sqlite3_close_v2(database)
        }
    }
}

/// Tells SQLite to copy bound text and blobs before the bind call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
