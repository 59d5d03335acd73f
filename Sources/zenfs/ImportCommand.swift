import ArgumentParser
import Node

/// `zenfs import x.torrent --data PATH`: adopt data that matches a torrent made elsewhere.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Adopt local data that matches a .torrent made elsewhere; every piece is checked first."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var metadata: MetadataOptions

    @Argument(help: "The .torrent file.")
    var torrent: String

    @Option(name: .customLong("data"), help: "The torrent's data: its file, or the folder holding its files.")
    var dataPath: String

    @Option(name: .customLong("as"), help: "Where it goes in the ZenFS namespace (default: /<name>).")
    var destination: String?

    func run() throws {
        let bar = ProgressBar(label: "checking")
        defer { bar.finish() }
        let result = try global.service().importTorrent(
            torrent,
            dataPath: dataPath,
            tags: metadata.tags,
            fields: metadata.fields,
            destination: destination,
            progress: bar.track
        )
        bar.finish()
        if global.json { return try Output.json(AddedJSON(result)) }
        print(result.infoHash.hex)
        Output.note(
            "imported \(result.path): \(Output.size(result.totalLength)), every one of \(result.pieceCount) pieces matches"
        )
    }
}
