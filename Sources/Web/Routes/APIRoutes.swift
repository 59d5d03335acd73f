import Chain
import Foundation
import Hummingbird
import Node
import ZenFS

/// The JSON API under `/api`: what the pages' scripts and `zenfs tube` use.
struct APIRoutes {
    let tube: TubeService
    let link: NodeLink

    func add(to router: Router<BasicRequestContext>) {
        let api = router.group("api")
        api.get("status") { _, _ in await node(.status) { $0.status } }
        api.get("chain") { _, _ in await node(.chainStatus) { $0.chain } }
        api.get("contracts") { _, _ in await node(.contracts) { $0.contracts } }
        api.get("videos") { request, _ in
            let sort = request.uri.queryParameters.get("sort") ?? "recent"
            var videos = await tube.localVideos()
            if sort == "popular" { videos.sort { $0.views > $1.views } }
            return Responses.json(videos.map { VideoJSON($0, magnet: magnet($0)) })
        }
        api.get("videos/:id") { _, context in
            let id = try Responses.videoID(context)
            guard let video = await tube.video(id) else { throw HTTPError(.notFound, message: "no video \(id.hex)") }
            return Responses.json(VideoJSON(video, magnet: magnet(video)))
        }
        api.get("videos/:id/torrent") { _, context in
            let id = try Responses.videoID(context)
            guard var metainfo = tube.metainfo(id) else { throw HTTPError(.notFound, message: "no video \(id.hex)") }
            // The node's tracker, so a BitTorrent client finds the node's seeder (the info-hash is unchanged).
            if metainfo.announce == nil { metainfo.announce = tube.hooks.trackers.first }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-bittorrent"
            headers[.contentDisposition] = "attachment; filename=\"\(id.hex).torrent\""
            return Response(
                status: .ok,
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: metainfo.encoded()))
            )
        }
        api.post("videos") { request, context in try await upload(request, context) }
        api.get("jobs/:job") { _, context in
            let id = context.parameters.get("job") ?? ""
            guard let job = tube.job(id) else { throw HTTPError(.notFound, message: "no upload \(id.prefix(40))") }
            return Responses.json(job)
        }
        api.post("videos/:id/edit") { request, context in
            let id = try Responses.videoID(context)
            let edit = try await request.decode(as: EditRequest.self, context: context)
            do {
                let new = try await tube.edit(
                    id,
                    title: edit.title,
                    description: edit.description ?? "",
                    tags: edit.tags
                )
                return Responses.json(["id": new.hex])
            } catch { throw Responses.httpError(error) }
        }
        api.delete("videos/:id") { _, context in
            let id = try Responses.videoID(context)
            do { try tube.remove(id) } catch { throw Responses.httpError(error) }
            return Responses.json(["removed": id.hex])
        }
        api.get("search") { request, _ in
            let query = FormQuery(request.uri.query)
            let text = String((query["q"] ?? "").prefix(200))
            let tags: [String]
            do { tags = try VideoFieldRules.tags(query["tag"] ?? "") } catch { throw Responses.httpError(error) }
            let local = await tube.searchLocal(text: text, tags: tags)
            var network: [SearchHitJSON] = []
            if query["network"] == "1" {
                network = await tube.searchNetwork(tags: tags).map {
                    SearchHitJSON(id: $0.infoHash.hex, title: $0.title, holder: $0.holder)
                }
            }
            return Responses.json(SearchJSON(local: local.map { VideoJSON($0, magnet: magnet($0)) }, network: network))
        }
        api.post("faucet") { request, context in
            let ask = try await request.decode(as: FaucetRequest.self, context: context)
            guard let status = try? await link.send(.status).get().status,
                let network = NetworkParameters.named(status.network)
            else { throw HTTPError(.serviceUnavailable, message: "no node runs on this data directory") }
            let address = try Wallet.open(dataDirectory: link.dataDirectory, network: network).primaryAddress()
            switch await link.send(.faucet(amount: ask.amount, address: address.description)) {
            case .success(let response):
                return Responses.json(response.transaction.map { ["transaction": $0.id] } ?? [:])
            case .failure(let error): throw HTTPError(.badRequest, message: error.description)
            }
        }
    }

    /// A control request's answer as JSON, or 503 with the reason the node did not answer.
    func node<T: Encodable>(_ request: ControlRequest, _ pick: (ControlResponse) -> T?) async -> Response {
        switch await link.send(request) {
        case .success(let response):
            guard let value = pick(response) else {
                return Responses.json(["error": "empty answer"], status: .badGateway)
            }
            return Responses.json(value)
        case .failure(let error):
            return Responses.json(["error": error.description], status: .serviceUnavailable)
        }
    }

    func magnet(_ video: TubeVideo) -> String {
        tube.metainfo(video.infoHash)?.magnetLink(trackers: tube.hooks.trackers)
            ?? "magnet:?xt=urn:btih:\(video.infoHash.hex)"
    }

    /// `POST /api/videos?title=…&tags=…&description=…` with the file as the body: checked before a byte is
    /// stored (fields, declared size, quota), written to the job's folder while counting, then encoded.
    func upload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let query = FormQuery(request.uri.query)
        let declared = request.headers[.contentLength].flatMap { Int64($0) }
        let (title, description, tags): (String, String, [String])
        do {
            (title, description, tags) = try tube.admit(
                title: query["title"] ?? "",
                description: query["description"] ?? "",
                tags: query["tags"] ?? "",
                declaredBytes: declared
            )
        } catch { throw Responses.httpError(error) }
        let (id, path) = try tube.newJob(title: title)
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw HTTPError(.internalServerError, message: "cannot write the upload in the data directory") }
        var received: Int64 = 0
        do {
            defer { try? handle.close() }
            for try await buffer in request.body {
                received += Int64(buffer.readableBytes)
                guard received <= tube.maxUploadBytes else { throw TubeError.tooLarge(limit: tube.maxUploadBytes) }
                try handle.write(contentsOf: Data(buffer.readableBytesView))
                tube.updateReceived(id, bytes: received)
            }
            guard received > 0 else { throw TubeError.badField("the upload is empty: send the video file as the body") }
        } catch {
            tube.abandon(id, reason: "\(error)")
            throw Responses.httpError(error)
        }
        tube.process(id, title: title, description: description, tags: tags)
        return Responses.json(tube.job(id), status: .accepted)
    }
}

struct EditRequest: Decodable {
    let title: String
    let description: String?
    let tags: String
}

struct FaucetRequest: Decodable { let amount: String }

struct SearchHitJSON: Codable {
    let id: String
    let title: String
    let holder: String
}

struct SearchJSON: Codable {
    let local: [VideoJSON]
    let network: [SearchHitJSON]
}
