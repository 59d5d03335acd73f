import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The server-rendered pages: mustache templates shipped as package resources. Every `{{value}}` is escaped,
/// so titles, tags and names from the network render as text; no template uses triple braces.
public struct Pages: Sendable {
    let library: MustacheLibrary
    let token: String

    static func load(token: String) async throws -> Pages {
        guard let root = Bundle.module.resourcePath else { throw HTTPError(.internalServerError) }
        return Pages(library: try await MustacheLibrary(directory: root + "/Templates"), token: token)
    }

    /// A whole page: `template` inside the layout, with the token for the page's scripts.
    func render(_ template: String, title: String, _ values: [String: Any] = [:], status: HTTPResponse.Status = .ok)
        -> Response
    {
        var context = values
        context["pageTitle"] = title
        context["token"] = token
        let html = library.render(context, withTemplate: template) ?? "template \(template) is missing"
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
