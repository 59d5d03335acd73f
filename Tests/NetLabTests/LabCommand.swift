import Foundation

/// Runs programs for the lab tests: the harness script and the built `zenfs`.
enum LabCommand {
    struct Result {
        let status: Int32
        let output: Data
        let error: String
        var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// The `zenfs` binary built next to this test bundle.
    static let zenfs: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("zenfs").path
    }()

    /// Runs a program and waits; output goes through temporary files so no pipe can fill up.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let base = NSTemporaryDirectory() + "zenfs-lab-run-" + UUID().uuidString
        for suffix in [".out", ".err"] {
            precondition(FileManager.default.createFile(atPath: base + suffix, contents: nil), "cannot create \(base)")
        }
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: FileManager.default.contents(atPath: base + ".out") ?? Data(),
            error: String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
        )
    }

    /// Checks `condition` every 50 ms for at most `seconds`.
    static func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}
