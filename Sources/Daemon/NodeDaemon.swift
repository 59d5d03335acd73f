import Foundation
import Logging
import Node
import ServiceLifecycle
import Synchronization
import Web
import ZenFS

/// `zenfs node`: the node and, when asked, its web server, as services of one group that stops on SIGINT or
/// SIGTERM. The layer above `Node` and `Web`, so neither needs to know the other.
public enum NodeDaemon {
    public static func run(configuration: NodeConfiguration, web: WebSettings?, logger: Logger) async throws {
        let node = try ZenFSNode(configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: node)]
        if let web {
            let tube = TubeService(
                data: node.data,
                hooks: try hooks(node),
                maxUploadBytes: web.maxUploadBytes,
                logger: logger
            )
            services.append(.init(service: WebService(settings: web, node: node, tube: tube, logger: logger)))
        }
        if let metrics = configuration.metrics {
            services.append(.init(service: MetricsService(address: metrics, node: node, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }

    /// ZenTube's reach into the running node: its fetcher, its network search and its identity.
    static func hooks(_ node: ZenFSNode) throws -> NodeHooks {
        // The node created its identity file when it started; this reads the same one.
        let identity = try NodeIdentityFile.loadOrCreate(
            dataDirectory: node.configuration.dataDirectory,
            network: node.configuration.network
        )
        let fetcher = node.fetcher
        let network = node.network
        var hooks = NodeHooks(
            fetchPart: { part, content in (try? await fetcher.fetch(.part, part, content: content)) != nil },
            fetchMetainfo: { infoHash in (try? await fetcher.fetch(.metainfo, infoHash)) != nil },
            searchNetwork: { tags, fields in
                let found = Mutex<[(metainfo: Metainfo, holder: String)]>([])
                let query = network.search(tags: tags, fields: fields, wantsMetainfo: true) { answer in
                    let parsed = answer.hits.compactMap { hit in
                        hit.metainfo.flatMap { try? Metainfo(parsing: $0) }.map {
                            (metainfo: $0, holder: answer.holder.description)
                        }
                    }
                    found.withLock { $0 += parsed }
                }
                try? await Task.sleep(nanoseconds: 1_500_000_000)
                network.endQuery(query)
                return found.withLock { $0 }
            },
            publisher: identity.identity.hash.description
        )
        if let tracker = node.configuration.tracker {
            let host = tracker.host == "0.0.0.0" || tracker.host == "::" ? "127.0.0.1" : tracker.host
            hooks.trackers = ["http://\(host):\(tracker.port)/announce"]
        }
        return hooks
    }
}

/// The web server as a service of the node's group: a port it cannot take is a warning, not a stopped node.
struct WebService: Service {
    let settings: WebSettings
    let node: ZenFSNode
    let tube: TubeService
    let logger: Logger

    func run() async throws {
        let directory = node.configuration.dataDirectory
        let urlFile = WebToken.urlPath(dataDirectory: directory)
        let logger = self.logger
        do {
            let application = try await WebServer.application(
                settings: settings,
                dataDirectory: directory,
                tube: tube,
                logger: logger
            ) { port in
                let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
                let url = "http://\(host):\(port)/"
                try? Data((url + "\n").utf8).write(to: URL(fileURLWithPath: urlFile), options: .atomic)
                logger.info("web listening", metadata: ["url": "\(url)"])
            }
            try await application.run()
        } catch {
            logger.warning("no web server on \(settings.host):\(settings.port): \(error)")
            try? await gracefulShutdown()
        }
        try? FileManager.default.removeItem(atPath: urlFile)
    }
}

/// The metrics listener as a service of the node's group; its address is written to `metrics.url` in the data
/// directory while it listens (the port is chosen when 0). A port it cannot take is a warning.
struct MetricsService: Service {
    let address: PeerAddress
    let node: ZenFSNode
    let logger: Logger

    func run() async throws {
        let urlFile = node.configuration.dataDirectory + "/metrics.url"
        let logger = self.logger
        let host = address.host
        let application = MetricsServer.application(
            host: host,
            port: Int(address.port),
            dataDirectory: node.configuration.dataDirectory,
            logger: logger
        ) { port in
            let shown = host.contains(":") ? "[\(host)]" : host
            let url = "http://\(shown):\(port)/metrics"
            try? Data((url + "\n").utf8).write(to: URL(fileURLWithPath: urlFile), options: .atomic)
            logger.info("metrics listening", metadata: ["url": "\(url)"])
        }
        do { try await application.run() } catch {
            logger.warning("no metrics listener on \(address): \(error)")
            try? await gracefulShutdown()
        }
        try? FileManager.default.removeItem(atPath: urlFile)
    }
}
