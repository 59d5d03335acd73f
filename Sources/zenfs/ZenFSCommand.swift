import ArgumentParser

@main
struct ZenFSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "zenfs")
}
