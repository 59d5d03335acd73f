import ArgumentParser
import Node

/// `zenfs quota [--set SIZE | --clear]`: show or change how much the element store may hold.
struct QuotaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show or set the most the element store may hold (e.g. --set 10G)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The new quota: bytes, or with K, M, G, T (binary multiples).")
    var set: String?

    @Flag(help: "Remove the quota.")
    var clear = false

    func validate() throws {
        if let set, ByteCount.parse(set) == nil {
            throw ValidationError("--set takes a size such as 500M or 10G, got '\(set)'")
        }
        if set != nil && clear { throw ValidationError("use --set or --clear, not both") }
    }

    func run() throws {
        let data = try global.service().data
        if let set { try data.setQuota(ByteCount.parse(set)) }
        if clear { try data.setQuota(nil) }
        let quota = try data.quota()
        let used = try data.catalog.storedBytes()
        if global.json {
            struct Quota: Encodable { let quota: Int64?; let used: Int64 }
            return try Output.json(Quota(quota: quota, used: used))
        }
        print("used \(Output.size(used)) of \(quota.map(Output.size) ?? "no quota")")
    }
}
