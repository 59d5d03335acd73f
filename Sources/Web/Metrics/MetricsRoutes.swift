import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics`: the node's metrics in Prometheus' text format (version 0.0.4), on the web server and on the
/// node's own metrics listener.
struct MetricsRoutes {
    let metrics: NodeMetrics

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/metrics") { _, _ in
            let text = await metrics.scrape()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: text))
            )
        }
    }
}
