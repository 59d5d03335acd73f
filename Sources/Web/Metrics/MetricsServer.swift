import Hummingbird
import Logging

/// The node's metrics listener (`zenfs node --metrics HOST:PORT`): only `GET /metrics`, for a Prometheus server
/// that scrapes from another machine. It reads state and changes nothing, so any address may be given; the
/// numbers include the wallet's income and spending, so a public address publishes them.
public enum MetricsServer {
    /// The application to run as a service; `onListening` receives the bound port.
    public static func application(
        host: String,
        port: Int,
        dataDirectory: String,
        logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        MetricsRoutes(metrics: NodeMetrics(dataDirectory: dataDirectory)).add(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "zenfs"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
