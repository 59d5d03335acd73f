import ArgumentParser
import Node

/// `zenfs search --tag T --field k=v`: find local metainfos by their searchable tags and fields.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find content on this node by tags and fields (all must match)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var metadata: MetadataOptions

    struct Found: Encodable { let infoHash: String; let name: String; let size: Int64 }

    func run() throws {
        let records = try global.service().data.catalog.search(tags: metadata.tags, fields: metadata.fields)
        let found = records.map { Found(infoHash: $0.infoHash.hex, name: $0.name, size: $0.totalLength) }
        if global.json { return try Output.json(found) }
        for item in found { print("\(item.infoHash) \(Output.size(item.size)) \(item.name)") }
    }
}
