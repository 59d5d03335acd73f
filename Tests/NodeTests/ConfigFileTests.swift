import Chain
import Node
import Testing
import ZenFS

struct ConfigFileTests {
    /// Every `[node]` key sets its field; comments and blank lines are ignored.
    @Test func appliesEveryKey() throws {
        let file = try ConfigFile.parse(
            """
            # a node on a LAN
            [node]
            listen = "0.0.0.0:7700"   # all interfaces
            advertise = "192.0.2.7:7700"
            peers = ["127.0.0.1:7601", "[::1]:7602",]
            network = "development"
            hop_limit = 5
            idle_timeout = 2.5
            fetch_timeout = 30
            """
        )
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        try file.apply(to: &configuration)
        #expect(configuration.listen == PeerAddress(host: "0.0.0.0", port: 7700))
        #expect(configuration.advertise == PeerAddress(host: "192.0.2.7", port: 7700))
        #expect(
            configuration.peers == [PeerAddress(host: "127.0.0.1", port: 7601), PeerAddress(host: "::1", port: 7602)]
        )
        #expect(configuration.hopLimit == 5)
        #expect(configuration.idleTimeoutSeconds == 2.5)
        #expect(configuration.fetchTimeoutSeconds == 30)
    }

    /// `port` alone keeps the default host.
    @Test func portAlone() throws {
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        try ConfigFile.parse("[node]\nport = 7777\n").apply(to: &configuration)
        #expect(configuration.listen == PeerAddress(host: "127.0.0.1", port: 7777))
    }

    /// Mistakes name their line.
    @Test func errorsNameTheLine() throws {
        #expect(throws: ConfigFileError.syntax(line: 2, "expected key = value")) {
            try ConfigFile.parse("[node]\nlisten\n")
        }
        #expect(throws: ConfigFileError.syntax(line: 3, "'node.port' given twice")) {
            try ConfigFile.parse("[node]\nport = 1\nport = 2\n")
        }
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        #expect(throws: ConfigFileError.unknownKey(line: 2, "node.colour")) {
            try ConfigFile.parse("[node]\ncolour = \"blue\"\n").apply(to: &configuration)
        }
        #expect(throws: ConfigFileError.badValue(line: 2, key: "node.port", expected: "a port number")) {
            try ConfigFile.parse("[node]\nport = 70000").apply(to: &configuration)
        }
        #expect(throws: ConfigFileError.badValue(line: 2, key: "node.peers", expected: "of another type")) {
            try ConfigFile.parse("[node]\npeers = \"127.0.0.1:1\"\n").apply(to: &configuration)
        }
        #expect(throws: ConfigFileError.syntax(line: 1, "cannot read the value 'yes'")) {
            try ConfigFile.parse("a = yes")
        }
    }
}
