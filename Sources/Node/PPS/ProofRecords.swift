import Chain
import Foundation
import GRDB
import Market

/// One content under proof of storage, as its owner keeps it in `market.sqlite`: the mode, the interval, the
/// Merkle layout and each part's root (32 bytes a part), and the announcement that names it on chain.
struct ProofFileRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "proofFile"
    var infoHash: String
    var mode: String
    var intervalSeconds: Int64
    var deadlineSeconds: Int64
    var leavesPerCheck: Int64
    var leafSize: Int64
    var totalLength: Int64
    var partLength: Int64
    /// Every part's root, 32 bytes each in part order; nil until computed.
    var roots: Data?
    /// Hex of the proof-of-storage announcement's id, and the height it was announced at.
    var announcement: String?
    var announcedHeight: Int64?
    var createdAt: Int64
    /// Private mode: the renewal rule's confidence (see `ProofOrder.confidenceBits`).
    var confidenceBits: Int64 = 12

    var isPrivate: Bool { mode == ProofOrder.Mode.private.rawValue }

    var rule: RenewalRule { RenewalRule(confidenceBits: Int(confidenceBits)) ?? .rfc }

    /// Whether checkpoints can run: every part's root (Merkle) or checksum (private) is kept.
    var isReady: Bool {
        guard let layout, let roots else { return false }
        return roots.count == layout.partCount * (isPrivate ? PrivateChecksum.encodedLength : 32)
    }

    /// Private mode: part `part`'s checksum (`roots` holds one encoded checksum per part, in order).
    func checksum(part: Int) -> PrivateChecksum? {
        let length = PrivateChecksum.encodedLength
        guard isPrivate, let roots, (part + 1) * length <= roots.count else { return nil }
        let start = roots.startIndex + part * length
        return try? PrivateChecksum(encoded: Array(roots[start..<start + length]))
    }

    mutating func setChecksum(_ checksum: PrivateChecksum, part: Int) {
        let length = PrivateChecksum.encodedLength
        guard var bytes = roots, (part + 1) * length <= bytes.count else { return }
        let start = bytes.startIndex + part * length
        bytes.replaceSubrange(start..<start + length, with: checksum.encoded)
        roots = bytes
    }

    var layout: MerkleLayout? {
        try? MerkleLayout(totalLength: UInt64(totalLength), partLength: UInt64(partLength), leafSize: Int(leafSize))
    }

    var verifier: MerkleVerifier? {
        guard let layout, let roots, roots.count == layout.partCount * 32 else { return nil }
        let list = stride(from: 0, to: roots.count, by: 32).compactMap {
            Hash256(bytes: Array(roots[roots.startIndex + $0..<roots.startIndex + $0 + 32]))
        }
        return MerkleVerifier(layout: layout, roots: .parts(list))
    }
}

/// One holder's checkpoints under one task (the owner's side).
struct ProofAccountRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "proofAccount"
    var task: String
    var peerKey: String
    var infoHash: String
    /// The `CheckpointAccount`, as JSON.
    var account: String
    /// The first failure's text (also inside `account`), for the catalog of holders.
    var failure: String?
    /// When the failure was last repaired around (seconds since 1970).
    var repairedAt: Int64?

    var decoded: CheckpointAccount? { try? JSONDecoder().decode(CheckpointAccount.self, from: Data(account.utf8)) }

    static func encode(_ account: CheckpointAccount) -> String {
        String(decoding: (try? JSONEncoder().encode(account)) ?? Data(), as: UTF8.self)
    }
}

/// The proof-of-storage tables of `market.sqlite`, registered after the market's own migrations.
enum ProofTables {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: proof-of-storage files and accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE proofFile (
                        infoHash TEXT PRIMARY KEY NOT NULL, mode TEXT NOT NULL, intervalSeconds INTEGER NOT NULL,
                        deadlineSeconds INTEGER NOT NULL, leavesPerCheck INTEGER NOT NULL, leafSize INTEGER NOT NULL,
                        totalLength INTEGER NOT NULL, partLength INTEGER NOT NULL, roots BLOB, announcement TEXT,
                        announcedHeight INTEGER, createdAt INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE proofAccount (
                        task TEXT NOT NULL, peerKey TEXT NOT NULL, infoHash TEXT NOT NULL, account TEXT NOT NULL,
                        failure TEXT, repairedAt INTEGER,
                        PRIMARY KEY (task, peerKey)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v4: the private checksum's renewal confidence") { db in
            try db.execute(sql: "ALTER TABLE proofFile ADD COLUMN confidenceBits INTEGER NOT NULL DEFAULT 12")
        }
    }
}

extension MarketStore {
    func proofFiles() throws -> [ProofFileRecord] { try pool.read { db in try ProofFileRecord.fetchAll(db) } }

    func save(_ file: ProofFileRecord) throws { try pool.write { db in try file.save(db) } }

    func proofAccounts() throws -> [ProofAccountRecord] {
        try pool.read { db in try ProofAccountRecord.fetchAll(db) }
    }

    func save(_ account: ProofAccountRecord) throws { try pool.write { db in try account.save(db) } }
}
