import ArgumentParser
import Node

/// `zenfs search --tag T --field k=v`: find metainfo by their searchable tags and fields, on this node and,
/// when a node runs, across the network.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find content by tags and fields (all must match): on this node, and on the network when a node runs."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var metadata: MetadataOptions

    @Flag(help: "Search this node's index only, even when a node runs.")
    var local = false

    @Option(help: "Milliseconds to collect answers from the network (default 1000).")
    var wait = 1000

    @Flag(
        name: .customLong("with-metainfo"),
        help: "Ask holders for whole metainfo files, not only info-hashes (base64 in --json)."
    )
    var withMetainfo = false

    struct Found: Encodable {
        let infoHash: String
        let name: String
        let size: Int64?
        let holder: String?
        let metainfo: String?
    }

    func run() throws {
        let service = try global.service()
        var found: [Found]
        if !local, let client = try? ControlClient(dataDirectory: service.data.path) {
            let results =
                try client.send(
                    .search(
                        tags: metadata.tags,
                        fields: metadata.fields,
                        wantsMetainfo: withMetainfo,
                        waitMilliseconds: wait
                    )
                ).results ?? []
            found = results.map {
                Found(infoHash: $0.infoHash, name: $0.name, size: nil, holder: $0.holder, metainfo: $0.metainfo)
            }
        } else {
            let records = try service.data.catalog.search(tags: metadata.tags, fields: metadata.fields)
            found = records.map {
                Found(infoHash: $0.infoHash.hex, name: $0.name, size: $0.totalLength, holder: nil, metainfo: nil)
            }
        }
        if global.json { return try Output.json(found) }
        for item in found {
            let size = item.size.map(Output.size) ?? "-"
            let carried = item.metainfo.map { "  (metainfo: \(($0.count * 3) / 4) bytes)" } ?? ""
            print("\(item.infoHash) \(size) \(item.name)\(item.holder.map { "  @\($0)" } ?? "")\(carried)")
        }
    }
}
