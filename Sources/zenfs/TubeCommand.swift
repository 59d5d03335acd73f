import ArgumentParser
import Foundation
import Node
import Web

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `zenfs tube`: ZenTube from the command line, through the running node's web server (`zenfs node --web …`).
struct TubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tube",
        abstract: "Upload, list and search ZenTube videos through the running node's web server.",
        subcommands: [TubeUploadCommand.self, TubeListCommand.self, TubeSearchCommand.self]
    )
}

/// The running node's web server as this machine's user reaches it: its URL and token from the data directory.
struct TubeClient {
    let base: URL
    let token: String

    /// Why the web server cannot be reached.
    enum Failure: Error, CustomStringConvertible {
        case noWeb(String)
        case refused(Int, String)

        var description: String {
            switch self {
            case .noWeb(let directory):
                "no web server runs for \(directory): start the node with `zenfs node --web 127.0.0.1:8080`"
            case .refused(let status, let message): "the node refused (\(status)): \(message)"
            }
        }
    }

    init(global: GlobalOptions) throws {
        let directory = DataDirectory.resolvePath(explicit: global.dataDirectory)
        guard let text = try? String(contentsOfFile: WebToken.urlPath(dataDirectory: directory), encoding: .utf8),
            let base = URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw Failure.noWeb(directory) }
        self.base = base
        token = try WebToken.loadOrCreate(dataDirectory: directory)
    }

    func url(_ path: String, _ query: [String: String] = [:]) -> URL {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty {
            components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            // The server reads the query as a form does: a literal '+' must travel as %2B.
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        return components.url!
    }

    /// Sends a request (a body from a file when given) and decodes the JSON answer.
    func send<T: Decodable>(_ request: URLRequest, file: URL? = nil, as type: T.Type) async throws -> T {
        var request = request
        request.setValue(token, forHTTPHeaderField: WebToken.header)
        request.timeoutInterval = 3_600
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            let done: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                continuation.resume(returning: (data ?? Data(), response!))
            }
            let task: URLSessionTask
            if let file {
                task = URLSession.shared.uploadTask(with: request, fromFile: file, completionHandler: done)
            } else {
                task = URLSession.shared.dataTask(with: request, completionHandler: done)
            }
            task.resume()
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let message = (try? JSONDecoder().decode(Problem.self, from: data))?.error?.message
            throw Failure.refused(status, message ?? String(decoding: data.prefix(300), as: UTF8.self))
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(T.self, from: data)
    }
}

/// The API's error body, `{"error":{"message":…}}`.
struct Problem: Decodable {
    struct Inner: Decodable { let message: String? }
    let error: Inner?
}

/// A video as the API lists it (the fields the commands print).
struct TubeVideoListing: Decodable {
    let id: String
    let title: String
    let tags: [String]
    let durationSeconds: Double
    let resolutions: [String]
    let views: Int
    let playlist: String
}

struct TubeUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a video: the node encodes it (1080p down to 240p, never above the source) and publishes it."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The video file.") var file: String
    @Option(help: "The title.") var title: String
    @Option(help: "A description.") var description: String = ""
    @Option(name: .customLong("tag"), help: "A tag (repeatable).") var tags: [String] = []
    @Flag(name: .customLong("no-wait"), help: "Return once the file is sent, without waiting for the encoding.")
    var noWait = false

    func run() async throws {
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let client = try TubeClient(global: global)
        var request = URLRequest(
            url: client.url(
                "api/videos",
                ["title": title, "description": description, "tags": tags.joined(separator: ",")]
            )
        )
        request.httpMethod = "POST"
        var job = try await client.send(request, file: URL(fileURLWithPath: file), as: TubeJob.self)
        print("sent \(job.receivedBytes) bytes; upload \(job.id)")
        if noWait { return }
        var last = ""
        while job.stage != .done && job.stage != .failed {
            try await Task.sleep(nanoseconds: 500_000_000)
            job = try await client.send(URLRequest(url: client.url("api/jobs/\(job.id)")), as: TubeJob.self)
            let line =
                "\(job.stage.rawValue) "
                + job.renditions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)%" }.joined(separator: " ")
            if line != last, !global.json { print(line) }
            last = line
        }
        if job.stage == .failed { throw TubeClient.Failure.refused(0, job.error ?? "the encoding failed") }
        if global.json { return try Output.json(job) }
        print("published \(job.infoHash ?? "?")  \(client.url("v/\(job.infoHash ?? "")"))")
    }
}

struct TubeListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the videos this node holds.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let client = try TubeClient(global: global)
        let videos = try await client.send(URLRequest(url: client.url("api/videos")), as: [TubeVideoListing].self)
        for video in videos { print(Self.line(video)) }
    }

    static func line(_ video: TubeVideoListing) -> String {
        let whole = Int(video.durationSeconds.rounded())
        return
            "\(video.id)  \(String(format: "%d:%02d", whole / 60, whole % 60))  \(video.resolutions.joined(separator: ","))  \(video.views) views  \(video.title)  \(video.tags.map { "#" + $0 }.joined(separator: " "))"
    }
}

struct TubeSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search videos by title and tags, on this node and (with --network) on the nodes it reaches."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Words of the title.") var text: String = ""
    @Option(name: .customLong("tag"), help: "A tag the video must carry (repeatable).") var tags: [String] = []
    @Flag(help: "Also ask the network.") var network = false

    struct Answer: Decodable {
        struct Hit: Decodable { let id: String; let title: String; let holder: String }
        let local: [TubeVideoListing]
        let network: [Hit]
    }

    func run() async throws {
        let client = try TubeClient(global: global)
        var query = ["q": text, "tag": tags.joined(separator: ",")]
        if network { query["network"] = "1" }
        let answer = try await client.send(URLRequest(url: client.url("api/search", query)), as: Answer.self)
        for video in answer.local { print(TubeListCommand.line(video)) }
        for hit in answer.network where !answer.local.contains(where: { $0.id == hit.id }) {
            print("\(hit.id)  on \(hit.holder)  \(hit.title)")
        }
    }
}
