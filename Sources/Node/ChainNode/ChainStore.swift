import Chain
import Foundation
import GRDB

/// `chain.sqlite`: every block the node accepted (main chain and side branches), with its height, cumulative
/// work and whether it is on the main chain. Announcements past their timeout are pruned from stored blocks,
/// leaving their ids so the blocks' Merkle roots still verify.
final class ChainStore: Sendable {
    private let pool: DatabasePool

    /// A stored block's place in the tree.
    struct Entry: Sendable {
        let hash: Hash256
        let previous: Hash256
        let height: Int
        let work: UInt256
        let main: Bool
    }

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1: blocks") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE block (
                            hash BLOB PRIMARY KEY NOT NULL,
                            previous BLOB NOT NULL,
                            height INTEGER NOT NULL,
                            work BLOB NOT NULL,
                            main INTEGER NOT NULL DEFAULT 0,
                            body BLOB NOT NULL
                        ) WITHOUT ROWID;
                        CREATE INDEX block_main_height ON block(main, height);
                        """
                )
            }
            try migrator.migrate(pool)
        } catch {
            throw StoreError.catalog("cannot open \(path): \(error)")
        }
    }

    func insert(_ block: Block, height: Int, work: UInt256) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO block (hash, previous, height, work, body) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    Data(block.id.bytes), Data(block.header.previous.bytes), height, Data(work.bigEndianBytes),
                    Data(block.encoded),
                ]
            )
        }
    }

    /// Marks `removed` off and `added` on the main chain, in one transaction.
    func switchMain(removed: [Hash256], added: [Hash256]) throws {
        try pool.write { db in
            for hash in removed {
                try db.execute(sql: "UPDATE block SET main = 0 WHERE hash = ?", arguments: [Data(hash.bytes)])
            }
            for hash in added {
                try db.execute(sql: "UPDATE block SET main = 1 WHERE hash = ?", arguments: [Data(hash.bytes)])
            }
        }
    }

    func block(_ hash: Hash256) throws -> Block? {
        try pool.read { db in
            guard
                let body = try Data.fetchOne(
                    db,
                    sql: "SELECT body FROM block WHERE hash = ?",
                    arguments: [Data(hash.bytes)]
                )
            else { return nil }
            return try Block.decode([UInt8](body))
        }
    }

    /// Every block's place, in height order (the tree the node rebuilds at start).
    func entries() throws -> [Entry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT hash, previous, height, work, main FROM block ORDER BY height").map {
                row in
                Entry(
                    hash: Hash256(bytes: [UInt8](row["hash"] as Data))!,
                    previous: Hash256(bytes: [UInt8](row["previous"] as Data))!,
                    height: row["height"],
                    work: UInt256(bigEndian: [UInt8](row["work"] as Data)),
                    main: row["main"]
                )
            }
        }
    }

    /// Replaces the given announcements of a stored block by their ids.
    func prune(_ ids: Set<Hash256>, inBlock hash: Hash256) throws {
        guard var block = try block(hash) else { return }
        block.transactions = block.transactions.map { ids.contains($0.id) ? .pruned($0.id) : $0 }
        try pool.write { db in
            try db.execute(
                sql: "UPDATE block SET body = ? WHERE hash = ?",
                arguments: [Data(block.encoded), Data(hash.bytes)]
            )
        }
    }

    /// Bytes of stored block bodies (to show pruning at work).
    func storedBytes() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(body)), 0) FROM block") ?? 0 }
    }
}
