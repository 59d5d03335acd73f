import Foundation
import GRDB
import ZenFS

/// One metainfo the catalog indexes.
public struct MetainfoRecord: Equatable, Sendable {
    public let infoHash: SHA1Digest
    /// The element holding the metainfo's bytes.
    public let element: SHA1Digest
    public let name: String
    public let totalLength: Int64
    public let pieceLength: Int
    public let pieceCount: Int
    public let fileCount: Int
    public let addedAt: Date

    init(row: Row) {
        infoHash = SHA1Digest(blob: row["info_hash"])!
        element = SHA1Digest(blob: row["element"])!
        name = row["name"]
        totalLength = row["total_length"]
        pieceLength = row["piece_length"]
        pieceCount = row["piece_count"]
        fileCount = row["file_count"]
        addedAt = Date(timeIntervalSince1970: row["added_at"])
    }
}

/// Element kinds as the catalog stores them.
enum CatalogElementKind: Int {
    case part = 0
    case metainfo = 1
}

extension Catalog {
    /// Indexes a metainfo whose element and parts are already durable in the store, and counts one reference
    /// to each. Returns false, changing nothing, when the info-hash is already indexed.
    /// `diskBytes`: what elements just written take on the disk (less than their length where zero tails are
    /// holes), recorded with their rows so the quota counts it; elements not in it count at their length.
    func insertMetainfo(
        _ metainfo: Metainfo,
        element: SHA1Digest,
        elementSize: Int64,
        now: Date,
        diskBytes: [SHA1Digest: Int64] = [:],
        in db: Database
    ) throws -> Bool {
        let infoHash = metainfo.infoHash.blob
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM metainfo WHERE info_hash = ?", arguments: [infoHash]) == true {
            return false
        }
        let info = metainfo.info
        try reference(element, size: elementSize, kind: .metainfo, diskBytes: diskBytes[element], in: db)
        try db.execute(
            sql: """
                INSERT INTO metainfo (info_hash, element, name, total_length, piece_length, piece_count, file_count, added_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                infoHash, element.blob, info.name, info.totalLength, info.pieceLength, info.pieces.count,
                info.dataFiles.count, now.timeIntervalSince1970,
            ]
        )
        // A long piece list in one statement, SQLite cutting it (20 bytes a piece) itself: a version of 2^17 parts
        // is one call, not 2^17. A short one (a small file's) row by row, which costs less than the cut.
        if info.pieces.count > Self.piecesInsertedOneByOne {
            var list = Data(capacity: info.pieces.count * 20)
            for piece in info.pieces { list.append(contentsOf: piece.bytes) }
            let insertAll = try db.cachedStatement(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
                    INSERT INTO metainfo_piece (info_hash, idx, hash) SELECT ?, i, substr(?, i * 20 + 1, 20) FROM n
                    """
            )
            try insertAll.execute(arguments: [info.pieces.count, infoHash, list])
        } else {
            let insertPiece = try db.cachedStatement(
                sql: "INSERT INTO metainfo_piece (info_hash, idx, hash) VALUES (?, ?, ?)"
            )
            for (index, piece) in info.pieces.enumerated() {
                try insertPiece.execute(arguments: [infoHash, index, piece.blob])
            }
        }
        // One reference per distinct part, counted once per use: a sparse file's thousands of zero parts cost one
        // row update, not one each.
        var uses: [SHA1Digest: (size: Int64, count: Int64)] = [:]
        var order: [SHA1Digest] = []
        for (index, piece) in info.pieces.enumerated() {
            if let known = uses[piece] {
                uses[piece] = (known.size, known.count + 1)
            } else {
                uses[piece] = (Int64(info.size(ofPiece: index)), 1)
                order.append(piece)
            }
        }
        for piece in order {
            let use = uses[piece]!
            try reference(piece, size: use.size, kind: .part, diskBytes: diskBytes[piece], count: use.count, in: db)
        }
        let insertFile = try db.cachedStatement(
            sql: "INSERT INTO metainfo_file (info_hash, idx, path, length, offset, is_pad) VALUES (?, ?, ?, ?, ?, ?)"
        )
        for (index, file) in info.files.enumerated() {
            try insertFile.execute(arguments: [infoHash, index, file.joinedPath, file.length, file.offset, file.isPad])
        }
        for (key, value) in metainfo.fields {
            try db.execute(
                sql: "INSERT INTO metainfo_field (info_hash, key, value) VALUES (?, ?, ?)",
                arguments: [infoHash, key, value]
            )
        }
        for tag in Set(metainfo.tags) {
            try db.execute(sql: "INSERT INTO metainfo_tag (info_hash, tag) VALUES (?, ?)", arguments: [infoHash, tag])
        }
        return true
    }

    /// Drops a metainfo from the index and releases its references to its element and parts.
    func deleteMetainfo(_ infoHash: SHA1Digest, in db: Database) throws {
        let blob = infoHash.blob
        try db.execute(
            sql: """
                UPDATE element SET refs = refs - (SELECT COUNT(*) FROM metainfo_piece p WHERE p.info_hash = ? AND p.hash = element.hash)
                WHERE hash IN (SELECT hash FROM metainfo_piece WHERE info_hash = ?)
                """,
            arguments: [blob, blob]
        )
        try db.execute(
            sql: "UPDATE element SET refs = refs - 1 WHERE hash = (SELECT element FROM metainfo WHERE info_hash = ?)",
            arguments: [blob]
        )
        try db.execute(sql: "DELETE FROM metainfo WHERE info_hash = ?", arguments: [blob])
    }

    private func reference(
        _ hash: SHA1Digest,
        size: Int64,
        kind: CatalogElementKind,
        diskBytes: Int64?,
        count: Int64 = 1,
        in db: Database
    ) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO element (hash, size, kind, refs, disk_bytes) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(hash) DO UPDATE SET refs = refs + excluded.refs,
                    disk_bytes = COALESCE(disk_bytes, excluded.disk_bytes)
                """
        )
        try statement.execute(arguments: [hash.blob, size, kind.rawValue, count, diskBytes])
    }

    /// Piece lists up to this long are inserted a row per statement.
    static let piecesInsertedOneByOne = 64

    /// The indexed metainfo with this info-hash.
    public func metainfo(_ infoHash: SHA1Digest) throws -> MetainfoRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM metainfo WHERE info_hash = ?", arguments: [infoHash.blob])
                .map(MetainfoRecord.init(row:))
        }
    }

    /// The element holding the bytes of the indexed metainfo `infoHash`; nil when it is not indexed.
    public func metainfoElement(_ infoHash: SHA1Digest) throws -> SHA1Digest? {
        try pointReader.metainfoElement(infoHash)
    }

    /// Every indexed metainfo, by name.
    public func allMetainfos() throws -> [MetainfoRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM metainfo ORDER BY name, info_hash").map(MetainfoRecord.init(row:))
        }
    }

    /// The tags of a metainfo, sorted.
    public func tags(of infoHash: SHA1Digest) throws -> [String] {
        try read { db in
            try String.fetchAll(
                db,
                sql: "SELECT tag FROM metainfo_tag WHERE info_hash = ? ORDER BY tag",
                arguments: [infoHash.blob]
            )
        }
    }

    /// The user-defined fields of a metainfo.
    public func fields(of infoHash: SHA1Digest) throws -> [String: String] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT key, value FROM metainfo_field WHERE info_hash = ?",
                arguments: [infoHash.blob]
            )
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["key"], $0["value"]) })
        }
    }

    /// Metainfos that carry every given tag and every given field value.
    public func search(tags: [String], fields: [String: String]) throws -> [MetainfoRecord] {
        try read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            for tag in tags {
                conditions.append("EXISTS (SELECT 1 FROM metainfo_tag t WHERE t.info_hash = m.info_hash AND t.tag = ?)")
                arguments.append(tag)
            }
            for (key, value) in fields {
                conditions.append(
                    "EXISTS (SELECT 1 FROM metainfo_field f WHERE f.info_hash = m.info_hash AND f.key = ? AND f.value = ?)"
                )
                arguments += [key, value]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM metainfo m \(filter) ORDER BY name",
                arguments: StatementArguments(arguments)
            )
            .map(MetainfoRecord.init(row:))
        }
    }

    /// Each element the catalog knows, with its reference count.
    public func elementReferences() throws -> [SHA1Digest: Int] {
        try read { db in
            var references: [SHA1Digest: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT hash, refs FROM element")
            while let row = try rows.next() {
                references[SHA1Digest(blob: row["hash"])!] = row["refs"]
            }
            return references
        }
    }

    /// Forgets elements that nothing references; returns the ones it forgot.
    func deleteUnreferencedElements(in db: Database) throws -> [SHA1Digest] {
        let hashes = try Data.fetchAll(db, sql: "SELECT hash FROM element WHERE refs <= 0").compactMap(
            SHA1Digest.init(blob:)
        )
        try db.execute(sql: "DELETE FROM element WHERE refs <= 0")
        return hashes
    }
}

extension Catalog {
    /// The bytes that indexing `metainfo` (held in `element`) would add to the stored bytes: its element and its
    /// distinct parts that the catalog does not record yet.
    func unrecordedBytes(of metainfo: Metainfo, element: SHA1Digest, elementSize: Int64, in db: Database) throws
        -> Int64
    {
        let isRecorded = try db.cachedStatement(sql: "SELECT 1 FROM element WHERE hash = ?")
        var total: Int64 = 0
        if try Bool.fetchOne(isRecorded, arguments: [element.blob]) != true { total += elementSize }
        var seen = Set<SHA1Digest>()
        for (index, piece) in metainfo.info.pieces.enumerated() where seen.insert(piece).inserted {
            if try Bool.fetchOne(isRecorded, arguments: [piece.blob]) != true {
                total += Int64(metainfo.info.size(ofPiece: index))
            }
        }
        return total
    }
}
