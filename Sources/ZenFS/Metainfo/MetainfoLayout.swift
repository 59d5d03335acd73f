/// Lays out content ZenFS hashes itself: files in order, with a BEP 47 pad file after each one that does not end
/// on a piece boundary, so every file starts on a part boundary and its parts are shared with any other
/// metainfo that holds the same file.
public enum MetainfoLayout {
    /// One file to lay out: its path below the root folder and its size.
    public struct Source: Equatable, Sendable {
        public let path: [String]
        public let length: Int64

        public init(path: [String], length: Int64) {
            self.path = path
            self.length = length
        }
    }

    /// The files of a multi-file metainfo, with pad files inserted. No pad follows the last file.
    public static func aligned(_ sources: [Source], pieceLength: Int) -> [MetainfoFile] {
        var files: [MetainfoFile] = []
        var offset: Int64 = 0
        for (index, source) in sources.enumerated() {
            files.append(MetainfoFile(path: source.path, length: source.length, offset: offset))
            offset += source.length
            let remainder = offset % Int64(pieceLength)
            if remainder != 0 && index != sources.count - 1 {
                let padLength = Int64(pieceLength) - remainder
                files.append(
                    MetainfoFile(path: [".pad", String(padLength)], length: padLength, offset: offset, isPad: true)
                )
                offset += padLength
            }
        }
        return files
    }
}
