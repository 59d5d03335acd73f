import ArgumentParser
import Foundation
import Node

/// `zenfs ls [PATH]`: list the namespace.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List a ZenFS folder.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The ZenFS path to list.")
    var path: String = "/"

    @Flag(name: .shortAndLong, help: "List every folder below too.")
    var recursive = false

    struct Row: Encodable {
        let path: String
        let kind: String
        let size: Int64
        let modified: Date
        /// The same time exactly: nanoseconds since 1970.
        let modifiedNanoseconds: Int64
        let infoHash: String?
    }

    func run() throws {
        let catalog = try global.service().data.catalog
        guard let entry = try catalog.entry(atPath: path) else { throw NamespaceError.notFound(path: path) }
        let base = "/" + (try Catalog.components(of: path)).joined(separator: "/")
        var rows: [Row] = []
        if entry.kind == .directory {
            try collect(entry.id, prefix: base == "/" ? "" : base, catalog: catalog, into: &rows)
        } else {
            rows.append(Self.row(entry, path: base))
        }
        if global.json { return try Output.json(rows) }
        for row in rows {
            let kind = Self.letters[row.kind] ?? "?"
            let size = row.kind == "file" || row.kind == "symlink" ? Output.size(row.size) : ""
            print(
                "\(kind) \(size.padding(toLength: 11, withPad: " ", startingAt: 0)) \(row.infoHash ?? String(repeating: " ", count: 40)) \(row.path)"
            )
        }
    }

    private func collect(_ id: Int64, prefix: String, catalog: Catalog, into rows: inout [Row]) throws {
        for child in try catalog.children(of: id) {
            let childPath = prefix + "/" + child.name
            rows.append(Self.row(child, path: childPath))
            if recursive && child.kind == .directory {
                try collect(child.id, prefix: childPath, catalog: catalog, into: &rows)
            }
        }
    }

    /// The letter `ls -l` shows for each kind.
    static let letters = [
        "directory": "d", "file": "-", "symlink": "l", "fifo": "p", "character device": "c", "block device": "b",
        "socket": "s",
    ]

    static func row(_ entry: NamespaceEntry, path: String) -> Row {
        Row(
            path: path,
            kind: entry.kind.name,
            size: entry.size,
            modified: entry.modified.date,
            modifiedNanoseconds: entry.modified.nanoseconds,
            infoHash: entry.infoHash?.hex
        )
    }
}
