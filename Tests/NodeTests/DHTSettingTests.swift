import Testing
import ZenFS

@testable import Node

/// How a node joins the Mainline DHT, and when it announces its content there again.
struct DHTSettingTests {
    @Test func configurationNamesTheBootstrapNodesOrTurnsTheDHTOff() throws {
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        #expect(configuration.dht == .automatic)
        try ConfigFile.parse("[node]\ndht_bootstrap = [\"10.0.0.1:6881\", \"10.0.0.2:6881\"]\n").apply(
            to: &configuration
        )
        #expect(configuration.dht == .bootstrap(["10.0.0.1:6881", "10.0.0.2:6881"]))
        try ConfigFile.parse("[node]\ndht_bootstrap = \"off\"\n").apply(to: &configuration)
        #expect(configuration.dht == .off)
        #expect(throws: ConfigFileError.self) {
            try ConfigFile.parse("[node]\ndht_bootstrap = [\"no port\"]\n").apply(to: &configuration)
        }
        #expect(throws: ConfigFileError.self) {
            try ConfigFile.parse("[node]\ndht_bootstrap = 3\n").apply(to: &configuration)
        }
    }

    /// The public routers only where the session is reachable; nothing on loopback unless asked.
    @Test func automaticUsesThePublicRoutersOffLoopbackOnly() {
        #expect(DHTSetting.automatic.bootstrapNodes(listen: "127.0.0.1:0") == nil)
        #expect(DHTSetting.automatic.bootstrapNodes(listen: "0.0.0.0:6881") == DHTSetting.publicRouters)
        #expect(DHTSetting.bootstrap([]).bootstrapNodes(listen: "127.0.0.1:0") == [])
        #expect(DHTSetting.off.bootstrapNodes(listen: "192.0.2.1:6881") == nil)
    }

    /// At once when the seeded set changes, then after 5, 10, 20 s …, capped at 15 minutes.
    @Test func announcementsBackOffUntilTheSeededSetChanges() {
        var announcer = DHTAnnouncer()
        let second: UInt64 = 1_000_000_000
        // (contents seeded, seconds since start, announcement due)
        let steps: [(Int, UInt64, Bool)] = [
            (0, 0, false), (2, 1, true), (2, 5, false), (2, 6, true), (2, 15, false), (2, 16, true), (3, 17, true),
        ]
        for (seeded, seconds, expected) in steps {
            let due = announcer.isDue(seeded: seeded, now: seconds * second)
            #expect(due == expected, "\(seeded) seeded at \(seconds) s")
        }
        var now = 17 * second
        for _ in 0..<20 {
            now += 901 * second
            let due = announcer.isDue(seeded: 3, now: now)
            #expect(due)
        }
        let early = announcer.isDue(seeded: 3, now: now + 899 * second)
        #expect(!early, "the interval stops growing at 15 minutes")
    }

    @Test func holderKeyDiffersFromTheInfoHash() {
        let infoHash = SHA1Digest.of(Array("content".utf8))
        #expect(HolderKey.of(infoHash) != infoHash)
        #expect(HolderKey.of(infoHash) == SHA1Digest.of(Array("zenfs-holders/1:".utf8) + infoHash.bytes))
    }
}
