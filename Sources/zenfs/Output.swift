import Foundation
import Node
import ZenFS

/// Writes results as text or JSON.
enum Output {
    /// Prints `value` as pretty, key-sorted JSON.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Writes a line to standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func size(_ bytes: Int64) -> String { ByteCount.format(bytes) }
}

/// `AddResult` as printed by `add` and `import`.
struct AddedJSON: Encodable {
    let infoHash: String
    let name: String
    let path: String
    let size: Int64
    let pieces: Int
    let files: Int
    let storedBytes: Int64
    let skipped: [String]
    let skippedEmptyFolders: [String]

    init(_ result: AddResult) {
        infoHash = result.infoHash.hex
        name = result.name
        path = result.path
        size = result.totalLength
        pieces = result.pieceCount
        files = result.fileCount
        storedBytes = result.storedBytes
        skipped = result.skipped
        skippedEmptyFolders = result.skippedEmptyFolders
    }
}
