import ZenFS

/// Failures of the element store and the catalog, each with a message that says what to do.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The disk holding `path` has no room: a write failed with `ENOSPC`, or (with `needed` and `free`) an add
    /// was refused before it would have left less than the catalog's reserve.
    case diskFull(path: String, needed: Int64? = nil, free: Int64? = nil)
    case quotaExceeded(needed: Int64, available: Int64, quota: Int64)
    case missingElement(SHA1Digest)
    case corruptElement(SHA1Digest)
    case io(operation: String, path: String, errno: Int32)
    case catalog(String)
    case mounted(path: String)

    public var description: String {
        switch self {
        case .diskFull(let path, let needed?, let free?):
            "disk full: the disk holding \(path) has \(ByteCount.format(free)) free and this needs up to "
                + "\(ByteCount.format(needed)) (with the space kept free for the catalog); free space on it "
                + "('zenfs rm' and 'zenfs gc' free ZenFS's own) or move the data directory, then try again "
                + "(nothing was stored)"
        case .diskFull(let path, _, _):
            "disk full: the disk holding \(path) is full; free space on it ('zenfs rm' and 'zenfs gc' free "
                + "ZenFS's own) or move the data directory, then try again (nothing was changed)"
        case .quotaExceeded(let needed, let available, let quota):
            "storing \(ByteCount.format(needed)) would exceed the quota of \(ByteCount.format(quota)) "
                + "(\(ByteCount.format(available)) free); raise it with 'zenfs quota --set SIZE', or remove content and run 'zenfs gc'"
        case .missingElement(let hash):
            "element \(hash.hex) is not in the store; 'zenfs verify' reports what is missing"
        case .corruptElement(let hash):
            "element \(hash.hex) does not match its hash and was quarantined; re-add or re-import its content"
        case .io(let operation, let path, let code):
            "\(operation) \(path): \(String(cString: strerror(code)))"
        case .catalog(let message): "catalog: \(message)"
        case .mounted(let path):
            "ZenFS's data directory \(path) is mounted (or its last mount is still recording its writes); "
                + "unmount it first ('zenfs umount MOUNTPOINT')"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
