import ArgumentParser
import Node
import ZenFS

/// `zenfs show INFOHASH|NAME`: files, sizes, parts and tags of one metainfo.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a metainfo: its files, sizes, parts, tags and fields."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "An info-hash, a metainfo name, or a ZenFS path.")
    var reference: String

    @Flag(help: "List every part's hash.")
    var parts = false

    struct Shown: Encodable {
        struct File: Encodable { let path: String; let size: Int64; let offset: Int64 }
        let infoHash: String
        let name: String
        let size: Int64
        let pieceLength: Int
        let pieceCount: Int
        let files: [File]
        let padFiles: Int
        let tags: [String]
        let fields: [String: String]
        let magnet: String
        let parts: [String]?
        /// Special files (FIFOs, device nodes, sockets) in the folder shown, which no metainfo holds.
        let leftOut: [Catalog.SpecialFile]
    }

    func run() throws {
        let service = try global.service()
        let metainfo = try ContentLookup.metainfo(reference, in: service)
        var leftOut: [Catalog.SpecialFile] = []
        if case .entry(let entry, _) = try service.resolve(reference), entry.kind == .directory {
            leftOut = try service.data.catalog.specialFiles(below: entry.id)
        }
        let info = metainfo.info
        let shown = Shown(
            infoHash: metainfo.infoHash.hex,
            name: info.name,
            size: info.dataFiles.reduce(0) { $0 + $1.length },
            pieceLength: info.pieceLength,
            pieceCount: info.pieces.count,
            files: info.dataFiles.map { .init(path: $0.joinedPath, size: $0.length, offset: $0.offset) },
            padFiles: info.files.count - info.dataFiles.count,
            tags: metainfo.tags.sorted(),
            fields: metainfo.fields,
            magnet: metainfo.magnetLink(),
            parts: parts ? info.pieces.map(\.hex) : nil,
            leftOut: leftOut
        )
        if global.json { return try Output.json(shown) }
        print("info-hash:    \(shown.infoHash)")
        print("name:         \(shown.name)")
        print("size:         \(Output.size(shown.size)) (\(shown.size) bytes)")
        print("parts:        \(shown.pieceCount) × \(Output.size(Int64(shown.pieceLength)))")
        if !shown.tags.isEmpty { print("tags:         \(shown.tags.joined(separator: ", "))") }
        for (key, value) in shown.fields.sorted(by: { $0.key < $1.key }) { print("field:        \(key) = \(value)") }
        print("magnet:       \(shown.magnet)")
        print("files:")
        for file in shown.files {
            print("  \(Output.size(file.size).padding(toLength: 11, withPad: " ", startingAt: 0)) \(file.path)")
        }
        if !shown.leftOut.isEmpty {
            print("left out:     special files have no content, so no torrent holds them")
            for file in shown.leftOut {
                print("  \(file.kind.padding(toLength: 16, withPad: " ", startingAt: 0)) \(file.path)")
            }
        }
        if let hashes = shown.parts {
            print("part hashes:")
            for (index, hash) in hashes.enumerated() { print("  \(index) \(hash)") }
        }
    }
}
