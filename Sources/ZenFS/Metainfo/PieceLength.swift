/// Piece-length choices: a power of two from 16 KiB to 128 MiB, 256 KiB unless a file is huge.
public enum PieceLength {
    public static let minimum = 16 << 10
    public static let maximum = 128 << 20
    /// ZenFS's part size for all but huge content.
    public static let standard = 256 << 10
    /// Above this many pieces, the chosen length doubles (keeps a metainfo's piece list near 1 MiB).
    public static let targetMaximumPieces: Int64 = 1 << 16
    /// The largest length `recommended` picks; beyond it, the piece count grows instead.
    public static let largestRecommended = 16 << 20

    /// Whether `length` is a power of two within bounds.
    public static func isValid(_ length: Int64) -> Bool {
        length >= minimum && length <= maximum && length & (length - 1) == 0
    }

    /// The length ZenFS uses for `totalLength` bytes of content.
    public static func recommended(forTotalLength totalLength: Int64) -> Int {
        var length = standard
        while length < largestRecommended && (totalLength + Int64(length) - 1) / Int64(length) > targetMaximumPieces {
            length *= 2
        }
        return length
    }

    /// How many pieces cover `totalLength` bytes.
    public static func pieceCount(totalLength: Int64, pieceLength: Int) -> Int64 {
        (totalLength + Int64(pieceLength) - 1) / Int64(pieceLength)
    }
}
