import ArgumentParser
import Node

/// `zenfs rm PATH`: remove a file or folder from the namespace.
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a file or folder from ZenFS; 'zenfs gc' then frees parts nothing else uses."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The ZenFS path.")
    var path: String

    func run() throws {
        let released = try global.service().remove(path)
        if global.json {
            struct Removed: Encodable { let path: String; let releasedInfoHashes: [String] }
            return try Output.json(Removed(path: path, releasedInfoHashes: released.map(\.hex)))
        }
        Output.note("removed \(path); \(released.count) metainfo(s) released")
    }
}
