import Foundation
import Glibc
import TestSupport
import Testing

/// The node's BEP 19 web seed answers as HTTP asks: whole files without `Range`, any range whole, in bounded
/// memory, and a bounded number of responses at once.
@Suite(.serialized)
struct WebSeedServingTests {
    /// A 64 MiB file whose source is gone, exported as a torrent whose only source is the web seed (its tracker
    /// does not listen): curl without `Range` gets 200 and all 64 MiB, a 40 MB range comes back whole (206),
    /// `HEAD` gives the length, and aria2c downloads the torrent, and the file over HTTP in four ranged
    /// connections, byte for byte.
    @Test func wholeFilesAndLongRangesReachCurlAndAria2c() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "node", extra: ["--no-seeding"])
        let length = 64 << 20
        let source = directory.randomFile("sources/big.bin", count: length, seed: 51)
        let expected = try #require(FileManager.default.contents(atPath: source))
        let hash = try node.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.removeItem(atPath: directory.path + "/sources")
        #expect(MountCrashTests.waitUntil { node.status()?.tracker != nil })
        let base = try #require(node.status()?.tracker).replacingOccurrences(of: "/announce", with: "")
        let url = "\(base)/seed/\(hash)/big.bin"

        let whole = try CommandRunner.run(
            "curl",
            ["-s", "-o", directory.path + "/curl.bin", "-w", "%{http_code} %{size_download}", url]
        )
        #expect(whole.text == "200 \(length)")
        #expect(FileManager.default.contents(atPath: directory.path + "/curl.bin") == expected)

        let ranged = try CommandRunner.run(
            "curl",
            ["-s", "-r", "1000-40000999", "-o", directory.path + "/range.bin", "-w", "%{http_code}", url]
        )
        #expect(ranged.text == "206")
        #expect(FileManager.default.contents(atPath: directory.path + "/range.bin") == expected[1000..<40_001_000])

        let head = try CommandRunner.run("curl", ["-s", "-I", url])
        #expect(head.text.hasPrefix("HTTP/1.1 200"))
        #expect(head.text.lowercased().contains("content-length: \(length)\r\n"))

        let exported = try node.runner.zenfs([
            "torrent", hash, "--announce", "http://127.0.0.1:9/announce", "-o", directory.path + "/big.torrent",
        ])
        #expect(exported.status == 0, "\(exported.error)")
        let aria = try BitTorrentSeedingTests.aria2c(directory.path + "/big.torrent", into: directory.path + "/bt")
        #expect(aria.status == 0, "\(aria.text) \(aria.error)")
        #expect(FileManager.default.contents(atPath: directory.path + "/bt/big.bin") == expected)

        let split = try CommandRunner.run(
            "aria2c",
            [
                "--interface=127.0.0.1", "--summary-interval=0", "--console-log-level=warn", "-x4", "-s4",
                "--min-split-size=4M", "--dir", directory.path + "/http", url,
            ]
        )
        #expect(split.status == 0, "\(split.text) \(split.error)")
        #expect(FileManager.default.contents(atPath: directory.path + "/http/big.bin") == expected)
        #expect(node.stop())
    }

    /// Forty slow clients at once: 32 are served, the other 8 are told to retry (503) at once; while the 32
    /// stream, the node's memory grows by far less than one 16 MiB buffer per client; once they go away, the
    /// web seed serves again.
    @Test func slowClientsAreCappedAndHeldInBoundedMemory() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "node", extra: ["--no-seeding"])
        let source = directory.randomFile("big.bin", count: 64 << 20, seed: 52)
        let hash = try node.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(MountCrashTests.waitUntil { node.status()?.tracker != nil })
        let base = try #require(node.status()?.tracker).replacingOccurrences(of: "/announce", with: "")
        let url = "\(base)/seed/\(hash)/big.bin"
        let pid = node.process.processIdentifier
        let before = try #require(Self.residentBytes(pid))

        var clients: [(process: Process, output: String)] = []
        defer {
            for client in clients where client.process.isRunning {
                kill(client.process.processIdentifier, SIGKILL)
                client.process.waitUntilExit()
            }
        }
        for index in 0..<40 {
            clients.append(try Self.slowClient(url, output: directory.path + "/client\(index).txt"))
        }
        let refusedAll = MountCrashTests.waitUntil(seconds: 30) {
            clients.filter { !$0.process.isRunning }.count >= 8
        }
        #expect(refusedAll)
        // Give the 32 streams time to fill their sockets and buffers.
        usleep(2_000_000)
        let finished = clients.filter { !$0.process.isRunning }
        #expect(finished.count == 8)
        for client in finished {
            #expect((try? String(contentsOfFile: client.output, encoding: .utf8)) == "503")
        }
        let during = try #require(Self.residentBytes(pid))
        #expect(during - before < 96 << 20, "resident memory grew from \(before) to \(during) bytes")

        for client in clients where client.process.isRunning {
            kill(client.process.processIdentifier, SIGKILL)
            client.process.waitUntilExit()
        }
        // Every place was given back: 32 new slow clients are all served.
        clients = try (0..<32).map { index in try Self.slowClient(url, output: directory.path + "/again\(index).txt") }
        usleep(3_000_000)
        let refusedAgain = clients.filter { !$0.process.isRunning }
        #expect(refusedAgain.isEmpty, "\(refusedAgain.count) of 32 clients were refused after the first 40 left")
        #expect(node.stop())
    }

    /// A curl reading `url` at 32 KB/s, writing the status it got to `output` when it ends.
    static func slowClient(_ url: String, output: String) throws -> (process: Process, output: String) {
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--limit-rate", "32k", "-o", "/dev/null", "-w", "%{http_code}", url]
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// The resident set of process `pid` in bytes (`VmRSS`).
    static func residentBytes(_ pid: Int32) -> Int64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int64(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { return nil }
        return kilobytes << 10
    }
}
