import Foundation
import Logging
import Node
import Synchronization
import ZenFS

/// What ZenTube needs from the running node beyond its data directory: fetching from holders, the network's
/// search and the node's identity. A node-less server (tests, a stopped node) uses `NodeHooks.localOnly`.
public struct NodeHooks: Sendable {
    public var fetchPart: PartFetcher
    /// Brings a metainfo into the local index; true when it is there.
    public var fetchMetainfo: @Sendable (SHA1Digest) async -> Bool
    /// Searches other nodes by tags and fields; each answer is a metainfo and the node holding it.
    public var searchNetwork: @Sendable ([String], [String: String]) async -> [(metainfo: Metainfo, holder: String)]
    /// The identity this node publishes under.
    public var publisher: String
    /// Announce URLs of this node's BitTorrent tracker, put in magnet links and `.torrent` files.
    public var trackers: [String] = []

    public init(
        fetchPart: @escaping PartFetcher,
        fetchMetainfo: @escaping @Sendable (SHA1Digest) async -> Bool,
        searchNetwork: @escaping @Sendable ([String], [String: String]) async -> [(metainfo: Metainfo, holder: String)],
        publisher: String
    ) {
        self.fetchPart = fetchPart
        self.fetchMetainfo = fetchMetainfo
        self.searchNetwork = searchNetwork
        self.publisher = publisher
    }

    public static func localOnly(publisher: String) -> NodeHooks {
        NodeHooks(
            fetchPart: { _, _ in false },
            fetchMetainfo: { _ in false },
            searchNetwork: { _, _ in [] },
            publisher: publisher
        )
    }
}

/// ZenTube on this node: the videos it holds or finds, uploads and their encoding, edits and removals. Each video
/// is one ZenFS folder (`master.m3u8`, one folder of fMP4 segments per rendition, `poster.jpg`, `video.json`)
/// placed at `/zentube/<folder>` and tagged `zentube`, so it is a torrent like any other content.
public final class TubeService: Sendable {
    public let data: DataDirectory
    public let fileSystem: FileSystemService
    public let reader: ContentReader
    public let hooks: NodeHooks
    public let views: ViewCounter
    public let encoder: any VideoEncoder
    public let probe: MediaProbe
    /// The largest upload accepted.
    public let maxUploadBytes: Int64
    private let logger: Logger
    private let jobs = Mutex<[String: TubeJob]>([:])
    private let metadataCache = Mutex<[SHA1Digest: VideoMetadata]>([:])

    /// The namespace folder every video sits in.
    public static let namespaceFolder = "zentube"

    public init(
        data: DataDirectory,
        hooks: NodeHooks,
        encoder: any VideoEncoder = LocalSandboxedEncoder(),
        maxUploadBytes: Int64 = 4 << 30,
        logger: Logger
    ) {
        self.data = data
        self.hooks = hooks
        self.encoder = encoder
        self.maxUploadBytes = maxUploadBytes
        self.logger = logger
        fileSystem = FileSystemService(data: data)
        reader = ContentReader(data: data, fetch: hooks.fetchPart)
        views = ViewCounter(path: data.path + "/zentube-views.json")
        probe = MediaProbe()
    }

    var workDirectory: String { data.path + "/zentube-work" }

    // MARK: Reading

    /// Every video this node indexes, newest first.
    public func localVideos() async -> [TubeVideo] {
        let records = (try? data.catalog.search(tags: [TubeVideo.marker], fields: [:])) ?? []
        var videos: [TubeVideo] = []
        for record in records {
            if let video = await video(record.infoHash, fetching: false) { videos.append(video) }
        }
        return videos.sorted { $0.metadata.createdAt > $1.metadata.createdAt }
    }

    /// A video by info-hash: from the local index, or (with `fetching`) its metainfo fetched from the network.
    public func video(_ infoHash: SHA1Digest, fetching: Bool = true) async -> TubeVideo? {
        var metainfo = try? data.storedMetainfo(infoHash)
        if metainfo == nil, fetching, await hooks.fetchMetainfo(infoHash) {
            metainfo = try? data.storedMetainfo(infoHash)
        }
        guard let metainfo, metainfo.tags.contains(TubeVideo.marker) else { return nil }
        guard let metadata = await metadata(of: metainfo) else { return nil }
        return TubeVideo(
            infoHash: infoHash,
            metadata: metadata,
            folder: metainfo.info.name,
            totalBytes: metainfo.info.totalLength,
            isLocal: reader.isComplete(metainfo),
            views: views.count(infoHash.hex)
        )
    }

    public func metainfo(_ infoHash: SHA1Digest) -> Metainfo? { try? data.storedMetainfo(infoHash) }

    private func metadata(of metainfo: Metainfo) async -> VideoMetadata? {
        if let cached = metadataCache.withLock({ $0[metainfo.infoHash] }) { return cached }
        guard let bytes = try? await reader.contents(metainfo, path: VideoMetadata.fileName, limit: 256 << 10),
            let metadata = try? VideoMetadata.decode(Data(bytes))
        else { return nil }
        metadataCache.withLock { $0[metainfo.infoHash] = metadata }
        return metadata
    }

    /// Local videos whose title contains `text` (any case) and that carry every tag.
    public func searchLocal(text: String, tags: [String]) async -> [TubeVideo] {
        let needle = text.lowercased()
        return await localVideos().filter { video in
            (needle.isEmpty || video.metadata.title.lowercased().contains(needle)
                || video.metadata.tags.contains(needle))
                && tags.allSatisfy(video.metadata.tags.contains)
        }
    }

    /// Videos other nodes hold, found by the network's metainfo search (tags, and the title as a field).
    public func searchNetwork(tags: [String]) async -> [(infoHash: SHA1Digest, title: String, holder: String)] {
        let answers = await hooks.searchNetwork([TubeVideo.marker] + tags, [:])
        var seen = Set<SHA1Digest>()
        return answers.compactMap { answer in
            guard seen.insert(answer.metainfo.infoHash).inserted else { return nil }
            return (
                answer.metainfo.infoHash, answer.metainfo.fields["zentube.title"] ?? answer.metainfo.info.name,
                answer.holder
            )
        }
    }

    // MARK: Uploads

    public func job(_ id: String) -> TubeJob? { jobs.withLock { $0[id] } }
    public func allJobs() -> [TubeJob] { jobs.withLock { Array($0.values) }.sorted { $0.id < $1.id } }

    /// Checks an upload before its bytes arrive: fields, the declared size against the limit and the quota.
    public func admit(title: String, description: String, tags: String, declaredBytes: Int64?) throws
        -> (String, String, [String])
    {
        let title = try VideoFieldRules.title(title)
        let description = try VideoFieldRules.description(description)
        let tags = try VideoFieldRules.tags(tags)
        if let declaredBytes {
            guard declaredBytes <= maxUploadBytes else { throw TubeError.tooLarge(limit: maxUploadBytes) }
            let room = (try? data.budget().bytes) ?? Int64.max
            guard declaredBytes <= room else { throw TubeError.noRoom(needed: declaredBytes, available: room) }
        }
        return (title, description, tags)
    }

    /// A new job's folder and the path its source is written to.
    public func newJob(title: String) throws -> (id: String, sourcePath: String) {
        let id = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let folder = workDirectory + "/" + id
        try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
        jobs.withLock { $0[id] = TubeJob(id: id, title: title, stage: .received, receivedBytes: 0) }
        return (id, folder + "/source")
    }

    public func updateReceived(_ id: String, bytes: Int64) {
        jobs.withLock { $0[id]?.receivedBytes = bytes }
    }

    /// Drops a job whose upload did not complete.
    public func abandon(_ id: String, reason: String) {
        try? FileManager.default.removeItem(atPath: workDirectory + "/" + id)
        jobs.withLock {
            $0[id]?.stage = .failed
            $0[id]?.error = reason
        }
    }

    /// Probes, encodes and publishes a received upload in the background.
    public func process(_ id: String, title: String, description: String, tags: [String]) {
        Task { [self] in
            let outcome: Result<SHA1Digest, any Error>
            do {
                outcome = .success(try await encodeAndPublish(id, title: title, description: description, tags: tags))
            } catch {
                outcome = .failure(error)
            }
            // The folder goes before the job says it is over, so a finished job has left nothing behind.
            try? FileManager.default.removeItem(atPath: workDirectory + "/" + id)
            switch outcome {
            case .success(let infoHash):
                set(id) {
                    $0.stage = .done
                    $0.infoHash = infoHash.hex
                }
            case .failure(let error):
                logger.warning("upload \(id) failed: \(error)")
                set(id) {
                    $0.stage = .failed
                    $0.error = "\(error)"
                }
            }
        }
    }

    private func set(_ id: String, _ change: (inout TubeJob) -> Void) {
        jobs.withLock { jobs in if var job = jobs[id] { change(&job); jobs[id] = job } }
    }

    private func encodeAndPublish(_ id: String, title: String, description: String, tags: [String]) async throws
        -> SHA1Digest
    {
        let folder = workDirectory + "/" + id
        let source = folder + "/source"
        set(id) { $0.stage = .probing }
        let info = try await probe.probe(source)
        let renditions = EncodingLadder.renditions(
            sourceWidth: info.width,
            sourceHeight: info.height,
            framesPerSecond: info.framesPerSecond
        )
        let estimate = Int64(
            Double(renditions.reduce(0) { $0 + $1.videoBitrate + $1.audioBitrate }) * info.durationSeconds / 8 * 1.3
        )
        let room = (try? data.budget().bytes) ?? Int64.max
        guard estimate <= room else { throw TubeError.noRoom(needed: estimate, available: room) }
        set(id) { job in
            job.stage = .encoding
            job.encoder = "this node (sandboxed ffmpeg)"
            for rendition in renditions { job.renditions[rendition.name] = 0 }
        }
        let output = folder + "/out/" + Self.folderName(title: title, id: id)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let duration = info.durationSeconds
        try await encoder.encode(
            EncodingRequest(sourcePath: source, source: info, renditions: renditions, outputDirectory: output)
        ) { [self] progress in
            let percent = progress.finished ? 100 : min(99, Int(progress.encodedSeconds / duration * 100))
            // Progress only grows: a rendition once finished stays at 100.
            set(id) { $0.renditions[progress.rendition] = max(percent, $0.renditions[progress.rendition] ?? 0) }
        }
        // The same check a hired encoder's result must pass before it is paid.
        try await EncodingCheck().verify(folder: output, renditions: renditions, durationSeconds: duration)
        set(id) { $0.stage = .publishing }
        let metadata = VideoMetadata(
            title: title,
            description: description,
            tags: tags,
            durationSeconds: duration,
            renditions: renditions.sorted { $0.height > $1.height },
            publisher: hooks.publisher,
            createdAt: Date()
        )
        return try publish(folder: output, metadata: metadata)
    }

    /// Writes `video.json` into an encoded folder and adds the folder to ZenFS under `/zentube/`.
    func publish(folder: String, metadata: VideoMetadata) throws -> SHA1Digest {
        try metadata.encoded().write(to: URL(fileURLWithPath: folder + "/" + VideoMetadata.fileName))
        var options = AddOptions()
        options.tags = [TubeVideo.marker] + metadata.tags.filter { $0 != TubeVideo.marker }
        options.fields = TubeVideo.fields(metadata)
        let name = (folder as NSString).lastPathComponent
        options.destination = "/\(Self.namespaceFolder)/\(name)"
        let result = try fileSystem.add(folder, options: options)
        metadataCache.withLock { $0[result.infoHash] = metadata }
        return result.infoHash
    }

    /// A folder name from the title's letters and digits and the job's id: readable, unique, safe as a path.
    static func folderName(title: String, id: String) -> String {
        let slug = String(
            title.lowercased().unicodeScalars.map {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-"
            }
        )
        .split(separator: "-").joined(separator: "-").prefix(40)
        return (slug.isEmpty ? "video" : String(slug)) + "-" + id.prefix(8)
    }

    // MARK: Changes

    /// Publishes a new metainfo with a changed title, description or tags (the folder's `video.json` changes, so
    /// its info-hash does; the segments' parts are the same) and removes the old one. Returns the new info-hash.
    public func edit(_ infoHash: SHA1Digest, title: String, description: String, tags: String) async throws
        -> SHA1Digest
    {
        guard let metainfo = metainfo(infoHash), metainfo.tags.contains(TubeVideo.marker),
            let old = await metadata(of: metainfo)
        else { throw TubeError.unknownVideo(infoHash.hex) }
        var metadata = old
        metadata.title = try VideoFieldRules.title(title)
        metadata.description = try VideoFieldRules.description(description)
        metadata.tags = try VideoFieldRules.tags(tags)
        let scratch = workDirectory + "/edit-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copy = try fileSystem.get(infoHash.hex, to: scratch)
        _ = try fileSystem.remove("/\(Self.namespaceFolder)/\(metainfo.info.name)")
        do {
            return try publish(folder: copy.path, metadata: metadata)
        } catch {
            _ = try? publish(folder: copy.path, metadata: old)
            throw error
        }
    }

    /// Takes a video off this node's namespace and index (its parts go at the next `zenfs gc`).
    public func remove(_ infoHash: SHA1Digest) throws {
        guard let metainfo = metainfo(infoHash), metainfo.tags.contains(TubeVideo.marker) else {
            throw TubeError.unknownVideo(infoHash.hex)
        }
        _ = try fileSystem.remove("/\(Self.namespaceFolder)/\(metainfo.info.name)")
        metadataCache.withLock { $0[infoHash] = nil }
    }
}
