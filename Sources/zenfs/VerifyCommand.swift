import ArgumentParser
import Node

/// `zenfs verify`: re-hash every element and check the catalog.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Re-hash every element, quarantine corrupt ones, and check the catalog. Exits 1 when anything is wrong."
    )

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        let healthy: Bool
        let checkedElements: Int
        let checkedBytes: Int64
        let quarantined: [String]
        let missing: [String]
        let unreferenced: Int
        let catalogProblems: [String]
    }

    func run() throws {
        let bar = ProgressBar(label: "verifying")
        defer { bar.finish() }
        let report = try global.service().verify(progress: bar.track)
        bar.finish()
        let shown = Report(
            healthy: report.isHealthy,
            checkedElements: report.checkedElements,
            checkedBytes: report.checkedBytes,
            quarantined: report.quarantined.map(\.hex),
            missing: report.missing.map(\.hex),
            unreferenced: report.unreferenced,
            catalogProblems: report.catalogProblems
        )
        if global.json {
            try Output.json(shown)
        } else {
            print("checked \(shown.checkedElements) elements (\(Output.size(shown.checkedBytes)))")
            for hash in shown.quarantined { print("corrupt, quarantined: \(hash)") }
            for hash in shown.missing { print("missing: \(hash)") }
            for problem in shown.catalogProblems { print("catalog: \(problem)") }
            if shown.unreferenced > 0 { print("\(shown.unreferenced) unreferenced elements ('zenfs gc' removes them)") }
            print(report.isHealthy ? "all elements intact" : "problems found")
        }
        if !report.isHealthy { throw ExitCode(1) }
    }
}
