import Foundation
import GRDB
import Glibc

/// Space an add or import in progress has promised itself under the data directory's quota, recorded in the
/// catalog so that adds running at once in different processes cannot together store more than the quota.
///
/// The quota holds when the catalog's stored bytes plus every live reservation stay within it. A reservation is
/// taken for the whole source at the start when the quota has room (one catalog write per add), grown when
/// staging needs more, and released once the add's catalog transaction has committed (its elements then count as
/// stored) or the add has failed. A process killed meanwhile leaves its row behind; rows of processes that no
/// longer run are ignored and removed by the next reservation.
final class SpaceReservation: @unchecked Sendable {
    private let data: DataDirectory
    private let owner = UUID().uuidString
    private let lock = NSLock()
    /// Bytes promised so far.
    private var reserved: Int64 = 0
    /// Whether the catalog holds a row for this reservation (only when a quota is set).
    private var recorded = false
    private var released = false

    init(data: DataDirectory) {
        self.data = data
    }

    /// Promises up to `wanted` bytes, as much as the quota has room for; never fails for lack of room (content
    /// already stored needs none).
    func claim(upTo wanted: Int64) throws {
        lock.lock()
        defer { lock.unlock() }
        (reserved, recorded) = try data.reserve(owner: owner, atLeast: 0, wanted: max(reserved, wanted))
    }

    /// Makes sure `bytes` in total are promised, asking the catalog for more (with some slack) when needed.
    /// Throws `quotaExceeded` when the quota, less what is stored and promised to others, cannot cover `bytes`.
    func cover(_ bytes: Int64) throws {
        lock.lock()
        defer { lock.unlock() }
        guard bytes > reserved else { return }
        let (granted, inCatalog) = try data.reserve(owner: owner, atLeast: bytes, wanted: bytes + Self.slack)
        reserved = granted
        recorded = recorded || inCatalog
    }

    /// How much more than needed a reservation grows by, so a growing add asks the catalog rarely.
    static let slack: Int64 = 64 << 20

    /// Lowers the promise to `bytes` (what is still in progress after some of it was recorded), or records it at
    /// that size if a quota was set since; never refused.
    func resize(to bytes: Int64) throws {
        lock.lock()
        defer { lock.unlock() }
        let (granted, inCatalog) = try data.reserve(owner: owner, atLeast: 0, wanted: max(0, bytes), shrinking: true)
        reserved = granted
        recorded = recorded || inCatalog
    }

    /// Gives the promised space back. Call after the add's catalog transaction has committed, or after it failed.
    func release() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        released = true
        if recorded { try? data.releaseReservation(owner: owner) }
    }

    deinit { release() }
}

/// A running process, told apart from a later one that reuses its pid by its start time.
struct ProcessIdentity: Equatable {
    let pid: Int32
    let started: Int64

    /// This process (start time 0 where /proc is not mounted: its rows then count as gone, as every other's).
    static let current = ProcessIdentity(pid: getpid()) ?? ProcessIdentity(pid: getpid(), started: 0)

    init(pid: Int32, started: Int64) {
        self.pid = pid
        self.started = started
    }

    /// Whether process `pid` still runs and is the one that started at `started` (not a later one given its pid).
    static func isRunning(pid: Int32, started: Int64) -> Bool {
        ProcessIdentity(pid: pid)?.started == started
    }

    /// The process `pid` as it runs now, or nil when no such process runs.
    init?(pid: Int32) {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; the start time is the 22nd field, the 20th after the comm,
        // which may itself hold spaces and parentheses.
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let started = Int64(fields[19]) else { return nil }
        self.pid = pid
        self.started = started
    }
}

extension DataDirectory {
    /// Promises `owner` at least `needed` bytes in total (`wanted` if the quota has room), returning what is
    /// promised and whether the catalog records it; `shrinking` sets the promise to `wanted` whatever the room.
    /// Without a quota, promises `wanted` at once and records nothing (the disk's free space is checked as parts
    /// are staged).
    func reserve(owner: String, atLeast needed: Int64, wanted: Int64, shrinking: Bool = false) throws -> (
        bytes: Int64, recorded: Bool
    ) {
        guard let quota = try quota() else { return (wanted, false) }
        return try catalog.write { db in
            let room = try room(under: quota, excluding: owner, in: db)
            guard needed == 0 || room >= needed else {
                throw StoreError.quotaExceeded(needed: needed, available: max(0, room), quota: quota)
            }
            let granted = shrinking ? wanted : max(needed, min(wanted, room))
            let me = ProcessIdentity.current
            try db.execute(
                sql: "INSERT OR REPLACE INTO space_reservation (owner, pid, started, bytes) VALUES (?, ?, ?, ?)",
                arguments: [owner, me.pid, me.started, granted]
            )
            return (granted, true)
        }
    }

    /// What the quota leaves for `owner` (or for work that holds no reservation): the quota less the stored bytes
    /// and every other live reservation.
    /// Removes the rows of processes that no longer run; call inside a write transaction.
    func room(under quota: Int64, excluding owner: String?, in db: Database) throws -> Int64 {
        let reservations = try Self.reservations(in: db)
        for gone in reservations.gone {
            try db.execute(sql: "DELETE FROM space_reservation WHERE owner = ?", arguments: [gone])
        }
        let others = reservations.live.filter { $0.key != owner }.values.reduce(0, +)
        return quota - (try catalog.storedBytes(in: db)) - others
    }

    /// The bytes each live process's reservation promises, by owner, and the owners whose process is gone.
    private static func reservations(in db: Database) throws -> (live: [String: Int64], gone: [String]) {
        var live: [String: Int64] = [:]
        var gone: [String] = []
        for row in try Row.fetchAll(db, sql: "SELECT owner, pid, started, bytes FROM space_reservation") {
            if ProcessIdentity.isRunning(pid: row["pid"], started: row["started"]) {
                live[row["owner"]] = row["bytes"]
            } else {
                gone.append(row["owner"])
            }
        }
        return (live, gone)
    }

    /// Removes `owner`'s reservation.
    func releaseReservation(owner: String) throws {
        try catalog.write { db in
            try db.execute(sql: "DELETE FROM space_reservation WHERE owner = ?", arguments: [owner])
        }
    }

    /// Bytes promised to adds and imports in progress in live processes.
    func reservedBytes() throws -> Int64 {
        try catalog.read { db in try Self.reservations(in: db).live.values.reduce(0, +) }
    }
}
