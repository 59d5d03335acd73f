import GRDB
import ZenFS

extension Catalog {
    /// The hashes among `hashes` that the catalog has an element row for (whatever their reference count).
    public func knownElements(_ hashes: [SHA1Digest]) throws -> Set<SHA1Digest> {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM element WHERE hash = ?")
            var known = Set<SHA1Digest>()
            for hash in hashes where try Bool.fetchOne(statement, arguments: [hash.blob]) == true {
                known.insert(hash)
            }
            return known
        }
    }
}

extension Catalog {
    /// Whether any element's reference count fell to zero (read through the partial index of those).
    func hasUnreferencedElements() throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM element WHERE refs <= 0 LIMIT 1") ?? false }
    }
}
