import ArgumentParser
import Foundation
import Node

/// `zenfs get INFOHASH|NAME --to DIR`: reassemble content, verifying every part.
struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Write content back to a local folder, verifying every part (fetched from peers when a node runs)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "An info-hash, a metainfo name, or a ZenFS path.")
    var reference: String

    @Option(name: .customLong("to"), help: "The folder to write into (default: the current folder).")
    var directory: String = FileManager.default.currentDirectoryPath

    func run() throws {
        let bar = ProgressBar(label: "reading")
        defer { bar.finish() }
        let service = try global.service()
        try NetworkContent.ensureLocal(reference, service: service, dataDirectory: service.data.path)
        let result = try service.get(reference, to: directory, progress: bar.track)
        bar.finish()
        // A private file (`zenfs upload --encrypt`) is opened with the wallet's key.
        let path = try PrivateFiles.openIfSealed(result.path, global: global)
        if global.json {
            struct Written: Encodable { let path: String; let files: Int; let size: Int64 }
            return try Output.json(Written(path: path, files: result.fileCount, size: result.totalLength))
        }
        print(path)
    }
}
