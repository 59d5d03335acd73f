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
