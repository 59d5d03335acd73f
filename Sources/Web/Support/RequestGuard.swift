import HTTPTypes
import Hummingbird

/// Refuses what a page of another site could make a browser send to the node: a Host that is not this machine
/// (DNS rebinding), and any state-changing request from another origin or without the node's token. Reads pass.
struct RequestGuard<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let host = request.head.authority ?? ""
        // Browsers always send Host; a page of a rebound DNS name sends its own name, which is refused here.
        guard host.isEmpty || Self.isLoopback(host: host) else {
            throw HTTPError(
                .misdirectedRequest,
                message: "this server answers only requests addressed to 127.0.0.1 or localhost"
            )
        }
        switch request.method {
        case .get, .head, .options:
            return try await next(request, context)
        default:
            if let origin = request.headers[.origin], origin != "http://" + host {
                throw HTTPError(.forbidden, message: "cross-origin request refused")
            }
            if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site == "cross-site" {
                throw HTTPError(.forbidden, message: "cross-origin request refused")
            }
            guard let given = request.headers[HTTPField.Name(WebToken.header)!], Self.equal(given, token) else {
                throw HTTPError(
                    .forbidden,
                    message:
                        "missing or wrong \(WebToken.header) (the node's pages send it; other clients read web.token in the data directory)"
                )
            }
            return try await next(request, context)
        }
    }

    static func isLoopback(host: String) -> Bool {
        let name: Substring
        if host.hasPrefix("[") {
            name = host.split(separator: "]").first.map { $0.dropFirst() } ?? ""
        } else {
            name = host.split(separator: ":", maxSplits: 1).first ?? ""
        }
        return name == "localhost" || name == "::1" || name.hasPrefix("127.")
    }

    /// Compares in time independent of where the strings differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
