import Foundation
import ZenFS

extension DataDirectory {
    /// Indexes a metainfo fetched from a peer (its element already stored) without placing it in the namespace;
    /// its parts are referenced whether or not they are local yet, so they count as stored from now on and are
    /// fetched within the quota. Refused with `quotaExceeded` when the quota, less what is stored and promised to
    /// adds in progress, cannot hold the parts the catalog does not record yet; nothing is indexed then (the
    /// metainfo's element stays for `gc`). Returns false when already indexed.
    @discardableResult
    public func indexFetchedMetainfo(_ metainfo: Metainfo, element: SHA1Digest, elementSize: Int64) throws -> Bool {
        let quota = try quota()
        return try catalog.write { db in
            if let quota {
                let needed = try catalog.unrecordedBytes(
                    of: metainfo,
                    element: element,
                    elementSize: elementSize,
                    in: db
                )
                let room = try room(under: quota, excluding: nil, in: db)
                guard needed <= room else {
                    throw StoreError.quotaExceeded(needed: needed, available: max(0, room), quota: quota)
                }
            }
            return try catalog.insertMetainfo(metainfo, element: element, elementSize: elementSize, now: Date(), in: db)
        }
    }
}
