import ArgumentParser
import Chain
import Daemon
import Foundation
import Logging
import Node
import ServiceLifecycle
import Web
import ZenFS

/// `zenfs node`: run the daemon in the foreground until SIGINT or SIGTERM.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a ZenFS node: serve peers, answer discovery, fetch content for local commands.",
        discussion: """
            Settings come from these flags, then from config.toml in the data directory (or --config), then from
            defaults: a private development network listening on 127.0.0.1:\(NodeConfiguration.defaultPort).
            """,
        subcommands: [NodeBenchmarkCommand.self]
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "A TOML configuration file (default: config.toml in the data directory, when present).")
    var config: String?

    @Option(help: "HOST:PORT to accept peers on (default \(NodeConfiguration.defaultPort) on 127.0.0.1).")
    var listen: String?

    @Option(help: "HOST:PORT other nodes should use to reach this one (default: the listen address).")
    var advertise: String?

    @Option(name: .customLong("peer"), help: "HOST:PORT of a first working peer (repeatable).")
    var peers: [String] = []

    @Option(help: "The network to join (default: development).")
    var network: String?

    @Option(name: .customLong("hop-limit"), help: "How far this node's queries travel (default 8).")
    var hopLimit: UInt8?

    @Option(name: .customLong("idle-timeout"), help: "Seconds of silence after which a peer is dropped (default 60).")
    var idleTimeout: Double?

    @Option(name: .customLong("fetch-timeout"), help: "Seconds a fetch waits for holders (default 10).")
    var fetchTimeout: Double?

    @Option(
        name: .customLong("minimum-task-bits"),
        help:
            "Relay and mine task announcements only with this much work (compact target, hex), stricter than the network's."
    )
    var minimumTaskBits: String?

    @Option(help: "HOST:PORT for the BitTorrent tracker (default 127.0.0.1:6969).")
    var tracker: String?

    @Option(help: "HOST:PORT for the web pages and JSON API, on loopback (such as 127.0.0.1:8080; default: none).")
    var web: String?

    @Option(help: "HOST:PORT for the Prometheus metrics listener, GET /metrics (such as 127.0.0.1:9464; default none).")
    var metrics: String?

    @Flag(name: .customLong("no-tracker"), help: "Run no BitTorrent tracker.")
    var noTracker = false

    @Option(
        name: .customLong("bittorrent-listen"),
        help: "Where the seeding BitTorrent session listens (default 127.0.0.1:0)."
    )
    var bittorrentListen: String?

    @Flag(name: .customLong("no-seeding"), help: "Do not seed content to BitTorrent clients.")
    var noSeeding = false

    @Option(
        name: .customLong("dht-bootstrap"),
        help: """
            HOST:PORT of a Mainline DHT node to join through (repeatable; "none": run a DHT node others join \
            through; "off": no DHT). Default: the public routers unless the BitTorrent session is on loopback.
            """
    )
    var dhtBootstrap: [String] = []

    @Flag(name: .customLong("no-mine"), help: "Do not mine blocks.")
    var noMine = false

    @Option(
        name: .customLong("block-interval"),
        help: "Seconds between the blocks this node mines (default: the network's spacing)."
    )
    var blockInterval: Double?

    @OptionGroup(title: "Selling storage") var market: MarketOptions

    @OptionGroup(title: "Selling VMs") var vmMarket: VMMarketOptions

    @Flag(
        name: .customLong("print-systemd-unit"),
        help: "Print a systemd service unit that runs this node (same data directory and --config), then exit."
    )
    var printSystemdUnit = false

    @Flag(name: .customLong("testing-serve-corrupt-parts"), help: .hidden)
    var servesCorruptParts = false

    @Flag(name: .customLong("testing-send-hostile-states"), help: .hidden)
    var sendsHostileStates = false

    @Option(name: .customLong("testing-serve-delay"), help: .hidden)
    var serveDelay: Double = 0

    func run() async throws {
        let dataDirectory = DataDirectory.resolvePath(explicit: global.dataDirectory)
        if printSystemdUnit {
            let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
            print(
                SystemdUnit.text(
                    executable: SystemdUnit.currentExecutable,
                    dataDirectory: absolute(dataDirectory),
                    config: config.map(absolute)
                ),
                terminator: ""
            )
            return
        }
        var configuration = NodeConfiguration(dataDirectory: dataDirectory)
        let configPath = config ?? dataDirectory + "/config.toml"
        if config != nil || FileManager.default.fileExists(atPath: configPath) {
            try ConfigFile.load(path: configPath).apply(to: &configuration)
        }
        if let listen { configuration.listen = try Self.address(listen, flag: "--listen") }
        if let advertise { configuration.advertise = try Self.address(advertise, flag: "--advertise") }
        if !peers.isEmpty { configuration.peers = try peers.map { try Self.address($0, flag: "--peer") } }
        if let network {
            guard let parameters = NetworkParameters.named(network) else {
                throw ValidationError(
                    "unknown network '\(network)' (known: \(NetworkParameters.known.map(\.name).joined(separator: ", ")))"
                )
            }
            configuration.network = parameters
        }
        if let hopLimit { configuration.hopLimit = hopLimit }
        if let idleTimeout { configuration.idleTimeoutSeconds = idleTimeout }
        if let fetchTimeout { configuration.fetchTimeoutSeconds = fetchTimeout }
        if noMine { configuration.mining = false }
        if let tracker { configuration.tracker = try Self.address(tracker, flag: "--tracker") }
        if noTracker { configuration.tracker = nil }
        if let web { configuration.web = web == "off" ? nil : try Self.address(web, flag: "--web") }
        if let metrics { configuration.metrics = metrics == "off" ? nil : try Self.address(metrics, flag: "--metrics") }
        if let bittorrentListen { configuration.bittorrentListen = bittorrentListen }
        if noSeeding { configuration.bittorrentListen = nil }
        if dhtBootstrap == ["off"] {
            configuration.dht = .off
        } else if !dhtBootstrap.isEmpty {
            let nodes = dhtBootstrap.filter { $0 != "none" }
            for node in nodes { _ = try Self.address(node, flag: "--dht-bootstrap") }
            configuration.dht = .bootstrap(nodes)
        }
        if let minimumTaskBits {
            guard let bits = UInt32(minimumTaskBits, radix: 16), CompactTarget(bits: bits) != nil else {
                throw ValidationError("--minimum-task-bits takes a compact target in hexadecimal, such as 1f00ffff")
            }
            configuration.minimumTaskBits = bits
        }
        if let blockInterval { configuration.blockIntervalSeconds = blockInterval }
        try market.apply(to: &configuration.market)
        try vmMarket.apply(to: &configuration.compute)
        configuration.servesCorruptParts = servesCorruptParts
        configuration.market.sendsHostileStates = sendsHostileStates
        configuration.serveDelaySeconds = serveDelay

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel =
                ProcessInfo.processInfo.environment["ZENFS_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return handler
        }
        let logger = Logger(label: "zenfs.node")
        if let address = configuration.web {
            do { try WebServer.validate(host: address.host) } catch { throw ValidationError("\(error)") }
        }
        let web = configuration.web.map { WebSettings(host: $0.host, port: Int($0.port)) }
        try await NodeDaemon.run(configuration: configuration, web: web, logger: logger)
    }

    static func address(_ text: String, flag: String) throws -> PeerAddress {
        guard let address = PeerAddress(parsing: text) else {
            throw ValidationError("\(flag) takes HOST:PORT, got '\(text)'")
        }
        return address
    }
}

/// `zenfs status`: what the running node is doing.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running node's peers, stored bytes and transfers."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let client = try ControlClient(dataDirectory: DataDirectory.resolvePath(explicit: global.dataDirectory))
        guard let status = try client.send(.status).status else { throw ControlError.badResponse("no status") }
        if global.json { return try Output.json(status) }
        print("network    \(status.network)")
        print("identity   \(status.identity)")
        print("listening  \(status.listen)")
        print("stored     \(Output.size(status.storedBytes)) in \(status.metainfoCount) metainfo")
        print("transfers  \(status.transfersInFlight) in flight")
        print("tracker    \(status.tracker ?? "off")")
        if let seeding = status.seeding {
            print(
                "seeding    \(seeding.torrents) torrents on port \(seeding.port), \(seeding.peers) BitTorrent peers, \(Output.size(seeding.bytesServed)) served"
            )
        }
        let counters = status.counters
        print(
            "traffic    served \(counters.elementsServed) elements (\(Output.size(counters.bytesServed))), fetched \(counters.elementsFetched) (\(Output.size(counters.bytesFetched)))"
        )
        if let market = status.market {
            let selling =
                market.roomBytes > 0
                ? ", selling \(Output.size(market.soldBytes)) of \(Output.size(market.roomBytes))" : ""
            print(
                "market     income \(Amount(units: market.incomeUnits)) ZEN (\(market.sellingContracts) contracts\(selling)), spending \(Amount(units: market.spendingUnits)) ZEN (\(market.buyingContracts) contracts)"
            )
        }
        if let vms = status.vms, vms.running + vms.renting > 0 || vms.incomeUnits + vms.spendingUnits > 0 {
            print(
                "VMs        \(vms.running) run for publishers, income \(Amount(units: vms.incomeUnits)) ZEN; \(vms.renting) rented, spending \(Amount(units: vms.spendingUnits)) ZEN"
            )
        }
        print("peers      \(status.peers.count) (the circuit)")
        for peer in status.peers {
            let latency = peer.latencyMilliseconds.map { String(format: "%.1f ms", $0) } ?? "-"
            print("  \(peer.address)  \(peer.inbound ? "in " : "out")  \(peer.identity)  \(latency)  \(peer.agent)")
        }
    }
}
