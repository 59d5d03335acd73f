import GRDBSQLite
import Glibc
import Synchronization
import ZenFS

/// Creates namespace entries (file, directory, symbolic link, special file) on a plain SQLite connection with prepared statements:
/// the mount creates an entry for every new file, and a write through GRDB's pool costs several times the
/// statements themselves. Each creation is one `BEGIN IMMEDIATE` transaction, so it serializes with every other
/// writer of the catalog (this process's GRDB writer included) through SQLite's own lock.
final class NamespaceCreator: Sendable {
    private let path: String
    private let synchronousMode: String
    private let connection = Mutex<Connection?>(nil)

    init(path: String, synchronousMode: String) {
        self.path = path
        self.synchronousMode = synchronousMode
    }

    /// Inserts `entry` (its parent, name, kind, mode, owner, size, link target and time; its number is ignored)
    /// in one transaction and returns it as inserted: numbered, and in a set-group-ID folder with the folder's
    /// group (and, for a folder, the set-group-ID bit), as local filesystems do. Throws `PosixError.notFound` or
    /// `.notADirectory` for a bad parent, `.exists` when the name is taken.
    func create(_ entry: NamespaceEntry) throws -> NamespaceEntry {
        try connection.withLock { slot in
            if slot == nil { slot = try Connection(path: path, synchronousMode: synchronousMode) }
            let connection = slot!
            try connection.execute(connection.begin)
            do {
                let inserted = try connection.insert(entry)
                try connection.execute(connection.commit)
                return inserted
            } catch {
                try? connection.execute(connection.rollback)
                throw error
            }
        }
    }

    /// The connection and its statements; used under the creator's lock.
    private final class Connection: @unchecked Sendable {
        let database: OpaquePointer
        let begin: OpaquePointer
        let commit: OpaquePointer
        let rollback: OpaquePointer
        let parentKind: OpaquePointer
        let nameTaken: OpaquePointer
        let nextInode: OpaquePointer
        let recordInode: OpaquePointer
        let insertInode: OpaquePointer
        let insertName: OpaquePointer
        let addParentLink: OpaquePointer
        let touchParent: OpaquePointer

        init(path: String, synchronousMode: String) throws(StoreError) {
            var handle: OpaquePointer?
            guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
                let handle
            else {
                let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite3_close(handle)
                throw .catalog("cannot open \(path) for writing: \(message)")
            }
            database = handle
            sqlite3_busy_timeout(handle, 30_000)
            var statements: [OpaquePointer] = []
            func prepare(_ sql: String) throws(StoreError) -> OpaquePointer {
                var statement: OpaquePointer?
                guard
                    sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
                        == SQLITE_OK, let statement
                else {
                    statements.forEach { sqlite3_finalize($0) }
                    sqlite3_close_v2(handle)
                    throw .catalog("cannot prepare a namespace write: \(String(cString: sqlite3_errmsg(handle)))")
                }
                statements.append(statement)
                return statement
            }
            let settings = "PRAGMA foreign_keys = ON; PRAGMA synchronous = \(synchronousMode);"
            guard sqlite3_exec(handle, settings, nil, nil, nil) == SQLITE_OK else {
                let message = String(cString: sqlite3_errmsg(handle))
                sqlite3_close_v2(handle)
                throw .catalog("cannot configure \(path): \(message)")
            }
            begin = try prepare("BEGIN IMMEDIATE")
            commit = try prepare("COMMIT")
            rollback = try prepare("ROLLBACK")
            parentKind = try prepare("SELECT kind, mode, gid FROM inode WHERE id = ?1")
            nameTaken = try prepare("SELECT 1 FROM dirent WHERE parent = ?1 AND name = ?2")
            nextInode = try prepare(Catalog.nextInodeNumber)
            recordInode = try prepare(Catalog.recordInodeNumber)
            insertInode = try prepare(
                """
                INSERT INTO inode (id, kind, mode, uid, gid, nlink, size, atime, mtime, ctime, link_target, rdev)
                VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7, ?8, ?10)
                """
            )
            insertName = try prepare("INSERT INTO dirent (parent, name, inode) VALUES (?1, ?2, ?3)")
            addParentLink = try prepare("UPDATE inode SET nlink = nlink + 1 WHERE id = ?1")
            touchParent = try prepare("UPDATE inode SET mtime = ?2, ctime = ?2 WHERE id = ?1")
        }

        func insert(_ original: NamespaceEntry) throws -> NamespaceEntry {
            let parent = original.parent ?? NamespaceEntry.rootID
            let now = original.modified.nanoseconds
            sqlite3_bind_int64(parentKind, 1, parent)
            let parentInode = try query(parentKind) {
                (kind: sqlite3_column_int64($0, 0), mode: sqlite3_column_int64($0, 1), gid: sqlite3_column_int64($0, 2))
            }
            guard let parentInode else { throw PosixError.notFound }
            guard parentInode.kind == Int64(NamespaceEntry.Kind.directory.rawValue) else {
                throw PosixError.notADirectory
            }
            var entry = original
            if parentInode.mode & Int64(S_ISGID) != 0 {
                let mode = original.kind == .directory ? original.mode | UInt32(S_ISGID) : original.mode
                entry = original.with(gid: UInt32(truncatingIfNeeded: parentInode.gid), mode: mode)
            }

            sqlite3_bind_int64(nameTaken, 1, parent)
            sqlite3_bind_text(nameTaken, 2, entry.name, -1, sqliteTransient)
            if try query(nameTaken, { _ in true }) != nil { throw PosixError.exists }

            guard let id = try query(nextInode, { sqlite3_column_int64($0, 0) }) else {
                throw StoreError.catalog("cannot number a new inode")
            }
            sqlite3_bind_int64(recordInode, 1, id)
            try execute(recordInode)

            sqlite3_bind_int64(insertInode, 9, id)
            sqlite3_bind_int64(insertInode, 1, Int64(entry.kind.rawValue))
            sqlite3_bind_int64(insertInode, 2, Int64(entry.mode & 0o7777))
            sqlite3_bind_int64(insertInode, 3, Int64(entry.uid))
            sqlite3_bind_int64(insertInode, 4, Int64(entry.gid))
            sqlite3_bind_int64(insertInode, 5, Int64(entry.linkCount))
            sqlite3_bind_int64(insertInode, 6, entry.size)
            sqlite3_bind_int64(insertInode, 7, now)
            sqlite3_bind_int64(insertInode, 10, Int64(bitPattern: entry.device))
            if let linkTarget = entry.linkTarget {
                sqlite3_bind_text(insertInode, 8, linkTarget, -1, sqliteTransient)
            } else {
                sqlite3_bind_null(insertInode, 8)
            }
            try execute(insertInode)

            sqlite3_bind_int64(insertName, 1, parent)
            sqlite3_bind_text(insertName, 2, entry.name, -1, sqliteTransient)
            sqlite3_bind_int64(insertName, 3, id)
            try execute(insertName)

            if entry.kind == .directory {
                sqlite3_bind_int64(addParentLink, 1, parent)
                try execute(addParentLink)
            }
            sqlite3_bind_int64(touchParent, 1, parent)
            sqlite3_bind_int64(touchParent, 2, now)
            try execute(touchParent)
            return entry.numbered(id)
        }

        /// Runs a statement and reads its first row, if any, with `column`.
        private func query<T>(_ statement: OpaquePointer, _ column: (OpaquePointer) -> T) throws(StoreError) -> T? {
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            return try step(statement) ? column(statement) : nil
        }

        /// Runs a statement that returns no rows.
        func execute(_ statement: OpaquePointer) throws(StoreError) {
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            _ = try step(statement)
        }

        private func step(_ statement: OpaquePointer) throws(StoreError) -> Bool {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            case let code:
                if code & 0xff == SQLITE_FULL { throw .diskFull(path: "catalog.sqlite") }
                throw .catalog("namespace write failed: \(String(cString: sqlite3_errmsg(database)))")
            }
        }

        deinit {
            for statement in [
                begin, commit, rollback, parentKind, nameTaken, nextInode, recordInode, insertInode, insertName,
                addParentLink, touchParent,
            ] {
                sqlite3_finalize(statement)
            }
            sqlite3_close_v2(database)
        }
    }
}
