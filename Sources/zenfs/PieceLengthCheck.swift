import ZenFS

/// Piece-length checks for command-line input.
enum ZenFSPieceLength {
    static func isValid(_ length: Int) -> Bool { PieceLength.isValid(Int64(length)) }
}
