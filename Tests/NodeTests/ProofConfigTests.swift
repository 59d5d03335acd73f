import Node
import Testing

/// The `[pps]` keys: the checkpoints a node gives uploads that name none.
struct ProofConfigTests {
    @Test func intervalAndModeSetTheDefault() throws {
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        #expect(configuration.proofDefaults == nil)
        try ConfigFile.parse("[pps]\ninterval = \"10m\"\nmode = \"merkle\"\n").apply(to: &configuration)
        #expect(configuration.proofDefaults == ProofOrder(mode: .merkle, intervalSeconds: 600))
    }

    @Test func badValuesNameTheirLine() throws {
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        for text in ["[pps]\ninterval = \"soon\"\n", "[pps]\ninterval = \"0s\"\n", "[pps]\nmode = \"hash\"\n"] {
            #expect(throws: ConfigFileError.self) { try ConfigFile.parse(text).apply(to: &configuration) }
        }
        #expect(throws: ConfigFileError.self) {
            try ConfigFile.parse("[pps]\ninterval = 60\n").apply(to: &configuration)
        }
        #expect(configuration.proofDefaults == nil, "a refused value sets nothing")
    }
}
