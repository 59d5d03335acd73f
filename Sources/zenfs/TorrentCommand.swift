import ArgumentParser
import Foundation
import Glibc
import Node
import ZenFS

/// `zenfs torrent INFOHASH > x.torrent`: export a metainfo as a .torrent announcing to the node's tracker, with
/// its web seed, or print its magnet link.
struct TorrentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "torrent",
        abstract: "Write a .torrent for content (to standard output or --output), or print its magnet link."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "An info-hash, a metainfo name, or a ZenFS path.")
    var reference: String

    @Option(
        name: .customLong("announce"),
        help: "The tracker URL to put in the .torrent or the magnet link (default: the node's own tracker)."
    )
    var tracker: String?

    @Flag(name: .customLong("no-announce"), help: "Put no tracker in the .torrent or the magnet link.")
    var noAnnounce = false

    @Option(name: .customLong("web-seed"), help: "A BEP 19 web seed URL (repeatable; default: the node's own).")
    var webSeeds: [String] = []

    @Flag(name: .customLong("no-web-seed"), help: "Put no web seed in the .torrent.")
    var noWebSeed = false

    @Option(name: .shortAndLong, help: "Write the .torrent to this file instead of standard output.")
    var output: String?

    @Flag(help: "Print the magnet link instead of the .torrent.")
    var magnet = false

    func run() throws {
        let service = try global.service()
        var metainfo = try ContentLookup.metainfo(reference, in: service)
        let base = LocalTracker.base(dataDirectory: service.data.path)
        let announce = noAnnounce ? nil : tracker ?? base + "/announce"
        let seeds = noWebSeed ? [] : webSeeds.isEmpty ? [base + "/seed/\(metainfo.infoHash.hex)/"] : webSeeds
        if magnet {
            let link = metainfo.magnetLink(trackers: announce.map { [$0] } ?? [])
            if global.json {
                struct Link: Encodable { let infoHash: String; let magnet: String }
                return try Output.json(Link(infoHash: metainfo.infoHash.hex, magnet: link))
            }
            return print(link)
        }
        metainfo.announce = announce
        metainfo.urlList = seeds
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
