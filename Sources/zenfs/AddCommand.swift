import ArgumentParser
import Foundation
import Node
import ZenFS

/// `zenfs add PATH`: store a local file or folder and print its info-hash; `zenfs add x.torrent` or
/// `zenfs add 'magnet:?…'` downloads the content from its BitTorrent swarm instead.
struct AddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract:
            "Add a local file or folder (or download a .torrent or magnet link from its swarm); print the info-hash."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var metadata: MetadataOptions

    @Argument(help: "The file or folder to add, a .torrent to download, or a magnet link.")
    var path: String

    @Flag(name: .customLong("plain"), help: "Add a .torrent file as an ordinary file instead of downloading it.")
    var plain = false

    @Option(name: .customLong("timeout"), help: "Seconds a download may go without progress (default 60).")
    var timeout: Double = 60

    @Option(name: .customLong("as"), help: "Where it goes in the ZenFS namespace (default: /<name>).")
    var destination: String?

    // Taken as it comes (`parsing: .unconditional`), so that a negative number is a value to refuse rather
    // than an unknown flag ("Missing value").
    @Option(
        name: .customLong("piece-length"),
        parsing: .unconditional,
        help: "Part size in bytes, a power of two ≥ 16384 (default: 262144, larger for huge files)."
    )
    var pieceLengthText: String?

    var pieceLength: Int? { pieceLengthText.flatMap { Int($0) } }

    func validate() throws {
        if path.isEmpty {
            throw ValidationError("the path to add is empty; give a file, a folder, a .torrent or a magnet link")
        }
        if let pieceLengthText, Int(pieceLengthText).map({ !PieceLength.isValid(Int64($0)) }) ?? true {
            throw ValidationError(
                "--piece-length must be a power of two from 16384 to 134217728 (for example 262144), not '\(pieceLengthText)'"
            )
        }
    }

    func run() throws {
        var options = AddOptions()
        options.tags = metadata.tags
        options.fields = metadata.fields
        options.destination = destination
        options.pieceLength = pieceLength
        let bar = ProgressBar(label: "adding")
        defer { bar.finish() }
        let service = try global.service()
        let result: AddResult
        if path.hasPrefix("magnet:") {
            result = try service.downloadTorrent(
                metainfo: nil,
                magnet: path,
                tags: metadata.tags,
                fields: metadata.fields,
                timeoutSeconds: timeout,
                progress: bar.track
            )
        } else if !plain, path.hasSuffix(".torrent"), let bytes = FileManager.default.contents(atPath: path) {
            result = try service.downloadTorrent(
                metainfo: [UInt8](bytes),
                magnet: nil,
                tags: metadata.tags,
                fields: metadata.fields,
                timeoutSeconds: timeout,
                progress: bar.track
            )
        } else {
            result = try service.add(path, options: options, progress: bar.track)
        }
        bar.finish()
        if global.json { return try Output.json(AddedJSON(result)) }
        for skipped in result.skipped { Output.note("skipped (not a regular file or folder): \(skipped)") }
        for folder in result.skippedEmptyFolders {
            Output.note("skipped (an empty folder, which a torrent cannot hold): \(folder)")
        }
        print(result.infoHash.hex)
        Output.note(
            "added \(result.path): \(Output.size(result.totalLength)) in \(result.fileCount) file(s), "
                + "\(result.pieceCount) parts, \(Output.size(result.storedBytes)) newly stored"
        )
    }
}
