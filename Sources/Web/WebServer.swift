import Foundation
import Hummingbird
import Logging
import NIOCore
import Node

/// Where the web server listens and what it may accept.
public struct WebSettings: Sendable {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    public var maxUploadBytes: Int64 = 4 << 30

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// Why the web server was not started.
public enum WebServerError: Error, CustomStringConvertible {
    case notLoopback(String)

    public var description: String {
        switch self {
        case .notLoopback(let host):
            "--web listens on loopback only (127.0.0.1, ::1 or localhost), not \(host): the pages control the wallet"
        }
    }
}

/// The node's one web server: the ZenTube portal at `/`, the node's pages at `/node`, the JSON API under
/// `/api`, the videos' files under `/media` and the node's Prometheus metrics at `/metrics`. Listens on loopback only.
public enum WebServer {
    /// The router with every route and the request guard, for the server and for route tests.
    public static func router(dataDirectory: String, tube: TubeService, token: String) async throws
        -> Router<BasicRequestContext>
    {
        let pages = try await Pages.load(token: token)
        let link = NodeLink(dataDirectory: dataDirectory)
        let router = Router()
        router.add(middleware: RequestGuard(token: token))
        let api = APIRoutes(tube: tube, link: link)
        api.add(to: router)
        PortalRoutes(tube: tube, pages: pages, api: api).add(to: router)
        NodeRoutes(link: link, pages: pages, data: tube.data).add(to: router)
        MediaRoutes(tube: tube).add(to: router)
        MetricsRoutes(metrics: NodeMetrics(dataDirectory: dataDirectory)).add(to: router)
        return router
    }

    /// Refuses an address that is not loopback: the pages spend from the wallet.
    public static func validate(host: String) throws {
        guard RequestGuard<BasicRequestContext>.isLoopback(host: host) else { throw WebServerError.notLoopback(host) }
    }

    /// The application to run as a service; `onListening` receives the bound port.
    public static func application(
        settings: WebSettings,
        dataDirectory: String,
        tube: TubeService,
        logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws -> some ApplicationProtocol {
        try validate(host: settings.host)
        let token = try WebToken.loadOrCreate(dataDirectory: dataDirectory)
        let router = try await router(dataDirectory: dataDirectory, tube: tube, token: token)
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "zenfs"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? settings.port) },
            logger: logger
        )
    }
}
