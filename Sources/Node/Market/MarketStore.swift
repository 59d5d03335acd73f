import Foundation
import GRDB

/// `market.sqlite` in the data directory: contracts on both sides, the parts each covers, and the uploads a
/// publisher runs. Its own file, beside the catalog and the chain, so the market's frequent small writes (a state
/// every payout interval) never wait on the mount's group commits. WAL, every state change synced before the
/// node acts on it.
final class MarketStore: Sendable {
    let pool: DatabasePool

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: contracts, parts, uploads") { db in
            try db.execute(
                sql: """
                    CREATE TABLE contract (
                        role TEXT NOT NULL, task TEXT NOT NULL, peerKey TEXT NOT NULL, peerAddress TEXT NOT NULL,
                        state TEXT NOT NULL, channelTransaction TEXT, channelIndex INTEGER, payerKey TEXT,
                        payeeKey TEXT, expiry INTEGER, funding INTEGER NOT NULL, storagePrice INTEGER NOT NULL,
                        uploadPrice INTEGER NOT NULL, downloadPrice INTEGER NOT NULL, payoutInterval INTEGER NOT NULL,
                        endsAt INTEGER NOT NULL, closeFee INTEGER NOT NULL, stateAmount INTEGER NOT NULL,
                        stateSignature TEXT, lastPaidAt INTEGER NOT NULL, heldBytes INTEGER NOT NULL,
                        uploadedBytes INTEGER NOT NULL, downloadedBytes INTEGER NOT NULL,
                        storedByteSeconds TEXT NOT NULL, meteredUntil INTEGER NOT NULL, closeTransaction TEXT,
                        createdAt INTEGER NOT NULL, promisedBytes INTEGER NOT NULL, acceptance TEXT,
                        PRIMARY KEY (role, task, peerKey)
                    ) WITHOUT ROWID;
                    CREATE TABLE contractPart (
                        role TEXT NOT NULL, task TEXT NOT NULL, peerKey TEXT NOT NULL, hash TEXT NOT NULL,
                        bytes INTEGER NOT NULL,
                        PRIMARY KEY (role, task, peerKey, hash)
                    ) WITHOUT ROWID;
                    CREATE INDEX contractPart_hash ON contractPart(hash);
                    CREATE TABLE upload (
                        infoHash TEXT PRIMARY KEY NOT NULL, task TEXT, replicas INTEGER NOT NULL,
                        maxStoragePrice INTEGER NOT NULL, maxUploadPrice INTEGER NOT NULL,
                        maxDownloadPrice INTEGER NOT NULL, durationSeconds INTEGER NOT NULL,
                        payoutInterval INTEGER NOT NULL, budget INTEGER, createdAt INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v2: download contracts") { db in
            try db.execute(sql: "ALTER TABLE contract ADD COLUMN purpose TEXT NOT NULL DEFAULT 'storage'")
        }
        ProofTables.registerMigrations(in: &migrator)
        try migrator.migrate(pool)
    }

    func contracts(role: ContractRole? = nil) throws -> [ContractRecord] {
        try pool.read { db in
            if let role { return try ContractRecord.filter(Column("role") == role.rawValue).fetchAll(db) }
            return try ContractRecord.fetchAll(db)
        }
    }

    func contract(role: ContractRole, task: String, peerKey: String) throws -> ContractRecord? {
        try pool.read { db in
            try ContractRecord.filter(
                Column("role") == role.rawValue && Column("task") == task && Column("peerKey") == peerKey
            ).fetchOne(db)
        }
    }

    func save(_ record: ContractRecord) throws { try pool.write { db in try record.save(db) } }

    /// Records a part under a contract together with the contract's new meter, in one transaction.
    func addPart(_ part: ContractPartRecord, contract: ContractRecord) throws {
        try pool.write { db in
            try part.save(db)
            try contract.save(db)
        }
    }

    /// Records parts under their contracts together with the contracts' new meters, in one transaction.
    func addParts(_ parts: [ContractPartRecord], contracts: [ContractRecord]) throws {
        guard !parts.isEmpty || !contracts.isEmpty else { return }
        try pool.write { db in
            for part in parts { try part.save(db) }
            for contract in contracts { try contract.save(db) }
        }
    }

    /// Whether the contract already covers the part (a point lookup on the part's key).
    func hasPart(role: ContractRole, task: String, peerKey: String, hash: String) throws -> Bool {
        try pool.read { db in
            try ContractPartRecord.filter(
                Column("role") == role.rawValue && Column("task") == task && Column("peerKey") == peerKey
                    && Column("hash") == hash
            ).fetchCount(db) > 0
        }
    }

    /// Counts `bytes` of the part `hash` read by a download against the active contract with `peerKey` that
    /// covers it, if there is one (found through the parts' hash index); otherwise against the active download
    /// contract with `peerKey`, if there is one.
    func meterDownload(role: ContractRole, peerKey: String, hash: String, bytes: Int) throws {
        try pool.write { db in
            let covering = try ContractRecord.fetchOne(
                db,
                sql: """
                    SELECT contract.* FROM contractPart JOIN contract USING (role, task, peerKey)
                    WHERE contractPart.hash = ? AND contract.role = ? AND contract.peerKey = ?
                        AND contract.state = ?
                    LIMIT 1
                    """,
                arguments: [hash, role.rawValue, peerKey, ContractState.active.rawValue]
            )
            guard var record = try covering ?? Self.activeDownloadContract(db, role: role, peerKey: peerKey) else {
                return
            }
            var meter = record.meter
            meter.downloaded(UInt64(bytes))
            record.meter = meter
            try record.save(db)
        }
    }

    /// The newest active download contract with `peerKey` on this side (the one ending last: a replaced one
    /// ends when its replacement begins).
    func activeDownloadContract(role: ContractRole, peerKey: String) throws -> ContractRecord? {
        try pool.read { db in try Self.activeDownloadContract(db, role: role, peerKey: peerKey) }
    }

    private static func activeDownloadContract(_ db: Database, role: ContractRole, peerKey: String) throws
        -> ContractRecord?
    {
        try ContractRecord.filter(
            Column("role") == role.rawValue && Column("peerKey") == peerKey
                && Column("purpose") == ContractPurpose.download.rawValue
                && Column("state") == ContractState.active.rawValue
        ).order(Column("endsAt").desc).fetchOne(db)
    }

    /// Whether this node has a contract in `role` with `peerKey` in one of `states`.
    func hasContract(
        role: ContractRole,
        peerKey: String,
        in states: Set<ContractState>,
        purpose: ContractPurpose? = nil
    ) throws -> Bool {
        try pool.read { db in
            var request = ContractRecord.filter(
                Column("role") == role.rawValue && Column("peerKey") == peerKey
                    && states.map(\.rawValue).contains(Column("state"))
            )
            if let purpose { request = request.filter(Column("purpose") == purpose.rawValue) }
            return try request.fetchCount(db) > 0
        }
    }

    func parts(role: ContractRole, task: String, peerKey: String) throws -> [ContractPartRecord] {
        try pool.read { db in
            try ContractPartRecord.filter(
                Column("role") == role.rawValue && Column("task") == task && Column("peerKey") == peerKey
            ).fetchAll(db)
        }
    }

    /// Parts of a role's contracts, by hash, with the contracts that cover them.
    func partHolders(role: ContractRole, task: String) throws -> [String: Set<String>] {
        try pool.read { db in
            let rows = try ContractPartRecord.filter(Column("role") == role.rawValue && Column("task") == task)
                .fetchAll(db)
            return rows.reduce(into: [:]) { $0[$1.hash, default: []].insert($1.peerKey) }
        }
    }

    /// Every sold part still covered by a contract in one of `states`.
    func soldParts(in states: Set<ContractState>) throws -> [String: [ContractPartRecord]] {
        try pool.read { db in
            let live = try ContractRecord.filter(Column("role") == ContractRole.seller.rawValue).fetchAll(db)
                .filter { states.contains($0.state) }
            var result: [String: [ContractPartRecord]] = [:]
            for contract in live {
                for part in try ContractPartRecord.filter(
                    Column("role") == ContractRole.seller.rawValue && Column("task") == contract.task
                        && Column("peerKey") == contract.peerKey
                ).fetchAll(db) {
                    result[part.hash, default: []].append(part)
                }
            }
            return result
        }
    }

    func removeParts(role: ContractRole, task: String, peerKey: String) throws {
        _ = try pool.write { db in
            try ContractPartRecord.filter(
                Column("role") == role.rawValue && Column("task") == task && Column("peerKey") == peerKey
            ).deleteAll(db)
        }
    }

    func upload(infoHash: String) throws -> UploadRecord? {
        try pool.read { db in try UploadRecord.fetchOne(db, key: infoHash) }
    }

    func save(_ upload: UploadRecord) throws { try pool.write { db in try upload.save(db) } }
}
