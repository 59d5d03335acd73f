import Foundation
import Glibc
import TestSupport
import Testing

struct CrashSafetyTests {
    /// `kill -9` in the middle of `zenfs add`, then `zenfs verify`: no element under a wrong name, the catalog
    /// consistent; re-running the add completes and the content reads back identical.
    @Test func killDuringAddLosesNothing() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let source = directory.randomFile("big.bin", count: 384 << 20)
        var interrupted = 0
        for delay in [0.1, 0.3, 0.6] {
            let process = try zenfs.startZenfs(["add", source])
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { interrupted += 1 }
            let verify = try zenfs.zenfs(["verify", "--json"])
            #expect(verify.status == 0, "after a kill at \(delay)s: \(verify.text) \(verify.error)")
            let report = try JSONSerialization.jsonObject(with: verify.output) as? [String: Any]
            #expect((report?["quarantined"] as? [String])?.isEmpty == true)
            #expect((report?["catalogProblems"] as? [String])?.isEmpty == true)
        }
        #expect(interrupted > 0, "every add finished before its kill: the test did not interrupt anything")
        let added = try zenfs.zenfs(["add", source])
        #expect(added.status == 0, "\(added.error)")
        let got = try zenfs.zenfs(["get", "big.bin", "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/big.bin")
                == FileManager.default.contents(atPath: source)
        )
        #expect(try zenfs.zenfs(["gc"]).status == 0)
        #expect(try zenfs.zenfs(["verify"]).status == 0)
    }
}
