import ZenFS

/// What this node holds, as the peer protocol asks it: answered from the element store and the catalog.
public protocol ElementProvider: Sendable {
    /// True when the element can be served now without fetching.
    func holds(_ kind: ElementKind, _ hash: SHA1Digest) -> Bool
    /// The element's verified bytes, or nil when it is not held (or failed verification).
    func read(_ kind: ElementKind, _ hash: SHA1Digest) -> [UInt8]?
    /// Indexed metainfo that carry every tag and field.
    func search(tags: [String], fields: [String: String], includeMetainfo: Bool) -> [SearchHit]
}
