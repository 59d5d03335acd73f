import Foundation
import ZenFS

/// Extended attributes: the `user.*` namespace is the user's, stored in the catalog; `user.zenfs.infohash` is
/// read-only and gives the info-hash of the file's last recorded version.
extension MountedFileSystem {
    /// The read-only attribute that names a file's content.
    public static let infoHashAttribute = "user.zenfs.infohash"

    public func getxattr(_ id: Int64, _ name: String) throws -> [UInt8] {
        // Only `user.*` attributes exist. The kernel asks for `security.capability` before every write, so
        // that answer must not cost a catalog read.
        if VirtualTree.isVirtual(id) || !name.hasPrefix("user.") { throw PosixError.noSuchAttribute }
        if name == Self.infoHashAttribute {
            guard let infoHash = try recordedInfoHash(id) else { throw PosixError.noSuchAttribute }
            return Array(infoHash.hex.utf8)
        }
        guard try data.catalog.inode(id) != nil else { throw PosixError.notFound }
        guard let value = try data.catalog.extendedAttribute(name, of: id) else { throw PosixError.noSuchAttribute }
        return value
    }

    public func listxattr(_ id: Int64) throws -> [String] {
        if VirtualTree.isVirtual(id) { return [] }
        let infoHash = try recordedInfoHash(id)
        let stored = try data.catalog.extendedAttributeNames(of: id)
        return (infoHash == nil ? [] : [Self.infoHashAttribute]) + stored
    }

    /// `flags`: `XATTR_CREATE` (1) fails if it exists, `XATTR_REPLACE` (2) if it does not.
    public func setxattr(_ id: Int64, _ name: String, _ value: [UInt8], flags: Int32) throws {
        if VirtualTree.isVirtual(id) { throw PosixError.readOnly }
        try checkWritableAttribute(name)
        guard try data.catalog.inode(id) != nil else { throw PosixError.notFound }
        if value.count > 65536 { throw PosixError.attributeBufferTooSmall(needed: value.count) }
        try data.catalog.setExtendedAttribute(name, of: id, to: value, create: flags & 1 != 0, replace: flags & 2 != 0)
    }

    public func removexattr(_ id: Int64, _ name: String) throws {
        if VirtualTree.isVirtual(id) { throw PosixError.readOnly }
        try checkWritableAttribute(name)
        try data.catalog.removeExtendedAttribute(name, of: id)
    }

    /// The info-hash of a file's recorded version: the last one recorded, even while a newer one is being
    /// committed. A file whose first version is not recorded yet (written, then closed, and the group commit not
    /// yet run) has its pending version sealed and committed now, so a closed file with content always has one.
    func recordedInfoHash(_ id: Int64) throws -> SHA1Digest? {
        guard let entry = try data.catalog.inode(id) else { throw PosixError.notFound }
        if let infoHash = entry.infoHash { return infoHash }
        guard entry.kind == .file else { return nil }
        // No live file: none was written, or its version was recorded since the read above.
        guard let file = existingLiveFile(id) else { return try data.catalog.inode(id)?.infoHash }
        try submitIfDirty(id, file)
        let pending = file.lock.withReadLock { file.recordedVersion < file.version }
        if pending { try committer.commitNow(durable: false) }
        return try data.catalog.inode(id)?.infoHash
    }

    private func checkWritableAttribute(_ name: String) throws {
        if name == Self.infoHashAttribute { throw PosixError.permissionDenied }
        guard name.hasPrefix("user."), name.utf8.count > 5, name.utf8.count <= 255 else {
            throw PosixError.notSupported
        }
    }
}
