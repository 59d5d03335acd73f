import ArgumentParser
import Node
import ZenFS

/// `zenfs fetch INFOHASH`: bring content to this node's store from the network, without writing it out.
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch content by info-hash from the network into this node's store (a node must run)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The info-hash (40 hexadecimal digits).")
    var infoHash: String

    func run() throws {
        guard SHA1Digest(hex: infoHash) != nil else { throw ValidationError("not an info-hash: \(infoHash)") }
        let client = try ControlClient(dataDirectory: DataDirectory.resolvePath(explicit: global.dataDirectory))
        let fetched = try client.send(.fetchContent(infoHash: infoHash.lowercased())).fetchedParts ?? 0
        if global.json {
            struct Fetched: Encodable { let infoHash: String; let fetchedParts: Int }
            return try Output.json(Fetched(infoHash: infoHash.lowercased(), fetchedParts: fetched))
        }
        print("\(infoHash.lowercased()): \(fetched) parts fetched")
    }
}
