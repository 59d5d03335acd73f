import Foundation
import Hummingbird
import ZenFS

/// The ZenTube portal's pages: home, search, tags, a video, upload, the user's own videos.
struct PortalRoutes {
    let tube: TubeService
    let pages: Pages
    let api: APIRoutes

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            let videos = await tube.localVideos()
            let popular = videos.sorted { $0.views > $1.views }.prefix(8)
            return pages.render(
                "home",
                title: "ZenTube",
                [
                    "recent": cards(Array(videos.prefix(24))), "popular": cards(Array(popular)),
                    "empty": videos.isEmpty,
                ]
            )
        }
        router.get("/search") { request, _ in
            let query = FormQuery(request.uri.query)
            let text = String((query["q"] ?? "").prefix(200))
            let tagText = query["tag"] ?? ""
            let tags: [String]
            do { tags = try VideoFieldRules.tags(tagText) } catch {
                return pages.render(
                    "search",
                    title: "Search",
                    ["q": text, "problem": "\(error)"],
                    status: .badRequest
                )
            }
            return await searchPage(text: text, tags: tags, tagText: tagText)
        }
        router.get("/tag/:tag") { _, context in
            let tag = context.parameters.get("tag") ?? ""
            guard let tags = try? VideoFieldRules.tags(tag), tags.count == 1 else {
                throw HTTPError(.badRequest, message: "not a tag: letters, digits, '-' and '_'")
            }
            return await searchPage(text: "", tags: tags, tagText: tags[0])
        }
        router.get("/v/:id") { _, context in
            let id = try Responses.videoID(context)
            guard var video = await tube.video(id) else {
                return pages.render("missing", title: "No such video", ["id": id.hex], status: .notFound)
            }
            video.views = tube.views.record(id.hex)
            var values = VideoJSON(video, magnet: api.magnet(video)).page
            values["renditions"] = video.metadata.renditions.map {
                ["name": $0.name, "width": $0.width, "height": $0.height] as [String: Any]
            }
            return pages.render("video", title: video.metadata.title, values)
        }
        router.get("/upload") { _, _ in
            pages.render("upload", title: "Upload", ["maxBytes": tube.maxUploadBytes])
        }
        router.get("/mine") { _, _ in
            let own = await tube.localVideos().filter { $0.metadata.publisher == tube.hooks.publisher }
            let items: [[String: Any]] = own.map { video in
                var values = VideoJSON(video, magnet: "").page
                values["tagText"] = video.metadata.tags.joined(separator: ", ")
                return values
            }
            return pages.render(
                "mine",
                title: "My videos",
                ["videos": items, "empty": own.isEmpty, "jobs": jobs(), "hasJobs": !jobs().isEmpty]
            )
        }
        router.get("/assets/:name") { _, context in try asset(context.parameters.get("name") ?? "") }
    }

    func searchPage(text: String, tags: [String], tagText: String) async -> Response {
        let local = await tube.searchLocal(text: text, tags: tags)
        let localIDs = Set(local.map(\.infoHash))
        let network = await tube.searchNetwork(tags: tags).filter { !localIDs.contains($0.infoHash) }
        return pages.render(
            "search",
            title: tagText.isEmpty ? "Search" : "#" + tagText,
            [
                "q": text, "tag": tagText, "results": cards(local), "none": local.isEmpty && network.isEmpty,
                "hasNetwork": !network.isEmpty,
                "network": network.map { ["id": $0.infoHash.hex, "title": $0.title, "holder": $0.holder] },
            ]
        )
    }

    func cards(_ videos: [TubeVideo]) -> [[String: Any]] {
        videos.map { VideoJSON($0, magnet: "").page }
    }

    func jobs() -> [[String: Any]] {
        tube.allJobs().filter { $0.stage != .done }.map { job in
            [
                "id": job.id, "title": job.title, "stage": job.stage.rawValue, "error": job.error ?? "",
                "renditions": job.renditions.sorted { $0.key < $1.key }.map {
                    ["name": $0.key, "percent": $0.value] as [String: Any]
                },
            ] as [String: Any]
        }
    }

    /// A stylesheet, script or icon shipped in the package; only names of the assets folder.
    func asset(_ name: String) throws -> Response {
        guard name.range(of: #"^[a-z0-9-]+\.(css|js|svg)$"#, options: .regularExpression) != nil,
            let root = Bundle.module.resourcePath,
            let data = FileManager.default.contents(atPath: root + "/Assets/" + name)
        else { throw HTTPError(.notFound, message: "no asset \(name.prefix(60))") }
        var headers = HTTPFields()
        headers[.contentType] =
            name.hasSuffix(".css") ? "text/css" : name.hasSuffix(".js") ? "text/javascript" : "image/svg+xml"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
