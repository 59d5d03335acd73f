import ArgumentParser
import Node

/// `zenfs gc`: delete elements nothing references.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete elements that no content references any more."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let report = try global.service().collectGarbage()
        if global.json {
            struct Collected: Encodable { let removedElements: Int; let freedBytes: Int64 }
            return try Output.json(Collected(removedElements: report.removedElements, freedBytes: report.freedBytes))
        }
        print("removed \(report.removedElements) elements, freed \(Output.size(report.freedBytes))")
    }
}
