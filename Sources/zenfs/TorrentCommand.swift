import ArgumentParser
import Foundation
import Glibc
import Node
import ZenFS

/// `zenfs torrent INFOHASH [--announce URL] > x.torrent`: export a metainfo as a .torrent, or its magnet link.
struct TorrentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "torrent",
        abstract: "Write a .torrent for content (to standard output or --output), or print its magnet link."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "An info-hash, a metainfo name, or a ZenFS path.")
    var reference: String

    @Option(name: .customLong("announce"), help: "The tracker URL to put in the .torrent or the magnet link.")
    var tracker: String?

    @Option(name: .customLong("web-seed"), help: "A BEP 19 web seed URL (repeatable).")
    var webSeeds: [String] = []

    @Option(name: .shortAndLong, help: "Write the .torrent to this file instead of standard output.")
    var output: String?

    @Flag(help: "Print the magnet link instead of the .torrent.")
    var magnet = false

    func run() throws {
        var metainfo = try ContentLookup.metainfo(reference, in: try global.service())
        if magnet {
            let link = metainfo.magnetLink(trackers: tracker.map { [$0] } ?? [])
            if global.json {
                struct Link: Encodable { let infoHash: String; let magnet: String }
                return try Output.json(Link(infoHash: metainfo.infoHash.hex, magnet: link))
            }
            return print(link)
        }
        metainfo.announce = tracker
        metainfo.urlList = webSeeds
        let bytes = Data(metainfo.encoded())
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: bytes) else {
                throw ValidationError("cannot write \(output)")
            }
            Output.note("wrote \(output) (info-hash \(metainfo.infoHash.hex))")
        } else if isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("a .torrent is binary: redirect standard output (> x.torrent) or use --output FILE")
        } else {
            FileHandle.standardOutput.write(bytes)
        }
    }
}
