/// One file of a metainfo, where it lies in the torrent's byte stream (the files concatenated in order).
public struct MetainfoFile: Equatable, Sendable {
    /// Path components below the torrent's root folder; for a single-file torrent, just its name.
    public let path: [String]
    /// The file's size in bytes.
    public let length: Int64
    /// The byte offset of the file's first byte in the torrent's stream.
    public let offset: Int64
    /// A BEP 47 pad file: zeros that only align the next file on a piece boundary.
    public let isPad: Bool

    public init(path: [String], length: Int64, offset: Int64, isPad: Bool = false) {
        self.path = path
        self.length = length
        self.offset = offset
        self.isPad = isPad
    }

    /// The path joined with `/`.
    public var joinedPath: String { path.joined(separator: "/") }
}
