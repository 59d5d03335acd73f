import ArgumentParser
import Foundation
import Node

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The node's data directory (default: $ZENFS_DATA_DIR, else ~/.zenfs).")
    var dataDirectory: String?

    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false

    /// Opens the data directory and the filesystem service over it.
    func service() throws -> FileSystemService {
        FileSystemService(data: try DataDirectory(path: DataDirectory.resolvePath(explicit: dataDirectory)))
    }
}

/// Tags and `key=value` fields for commands that create metainfo.
struct MetadataOptions: ParsableArguments {
    @Option(name: .customLong("tag"), help: "A searchable tag (repeatable).")
    var tags: [String] = []

    @Option(name: .customLong("field"), help: "A searchable field as key=value (repeatable).")
    var fieldPairs: [String] = []

    var fields: [String: String] {
        Dictionary(
            fieldPairs.map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }
        ) { $1 }
    }

    func validate() throws {
        for pair in fieldPairs where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--field takes key=value, got '\(pair)'")
        }
    }
}
