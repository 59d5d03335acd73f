/// A BitTorrent v1 metainfo as ZenFS keeps it: the `info` dictionary, plus the RFC's searchable user-defined
/// fields and tags, which live outside `info` so the info-hash is the one every BitTorrent client computes.
public struct Metainfo: Equatable, Sendable {
    public let info: MetainfoInfo
    /// SHA1 of the bencoded `info` dictionary: the identity of the file or folder.
    public let infoHash: SHA1Digest
    /// Searchable `key = value` fields chosen by the publisher.
    public var fields: [String: String]
    /// Searchable tags chosen by the publisher.
    public var tags: [String]
    public var announce: String?
    /// BEP 19 web seeds.
    public var urlList: [String]
    public var comment: String?
    public var createdBy: String?
    /// Seconds since 1970, when given.
    public var creationDate: Int64?

    /// Where ZenFS keeps its own fields in the metainfo dictionary.
    static let zenfsKey = "zenfs"

    /// Wraps an info dictionary; its info-hash is the SHA1 of its canonical encoding.
    public init(
        info: MetainfoInfo,
        fields: [String: String] = [:],
        tags: [String] = [],
        createdBy: String? = "ZenFS",
        creationDate: Int64? = nil
    ) {
        self.info = info
        self.infoHash = SHA1Digest.of(BencodeEncoder.encode(info.value))
        self.fields = fields
        self.tags = tags
        self.urlList = []
        self.createdBy = createdBy
        self.creationDate = creationDate
    }

    /// Parses a `.torrent` or a stored metainfo. The info-hash is the SHA1 of the `info` bytes exactly as read.
    public init(parsing bytes: [UInt8], limits: BencodeDecoder.Limits = .metainfo) throws(MetainfoError) {
        let root: BencodeValue
        let spans: [BencodeDecoder.Span]
        do {
            (root, spans) = try BencodeDecoder(limits: limits).decodeDictionaryWithSpans(bytes)
        } catch {
            throw .malformed(error)
        }
        guard let infoValue = root["info"], let span = spans.first(where: { $0.key == Array("info".utf8) }) else {
            throw .missingField("info")
        }
        info = try MetainfoInfo(value: infoValue)
        infoHash = SHA1Digest.of(bytes[span.valueRange])
        announce = root["announce"]?.utf8Value
        urlList = Self.strings(root["url-list"])
        comment = root["comment"]?.utf8Value
        createdBy = root["created by"]?.utf8Value
        creationDate = root["creation date"]?.integerValue
        let zenfs = root[Self.zenfsKey]
        tags = Self.strings(zenfs?["tags"])
        var fields: [String: String] = [:]
        for (key, value) in zenfs?["fields"]?.dictionaryValue ?? [:] {
            if let name = String(validating: key, as: UTF8.self), let text = value.utf8Value { fields[name] = text }
        }
        self.fields = fields
    }

    /// The bencoded metainfo file.
    public func encoded() -> [UInt8] {
        var entries: [String: BencodeValue] = ["info": info.value]
        if let announce { entries["announce"] = .text(announce) }
        if !urlList.isEmpty { entries["url-list"] = .list(urlList.map { .text($0) }) }
        if let comment { entries["comment"] = .text(comment) }
        if let createdBy { entries["created by"] = .text(createdBy) }
        if let creationDate { entries["creation date"] = .integer(creationDate) }
        if !fields.isEmpty || !tags.isEmpty {
            var zenfs: [String: BencodeValue] = [:]
            if !fields.isEmpty { zenfs["fields"] = .dictionary(fields.mapValues { .text($0) }) }
            if !tags.isEmpty { zenfs["tags"] = .list(tags.map { .text($0) }) }
            entries[Self.zenfsKey] = .dictionary(zenfs)
        }
        return BencodeEncoder.encode(.dictionary(entries))
    }

    /// The BEP 9 magnet link: `xt=urn:btih:<hex>`, the display name, and each tracker.
    public func magnetLink(trackers: [String] = []) -> String {
        var link = "magnet:?xt=urn:btih:\(infoHash.hex)&dn=\(PercentEncoding.encode(info.name))"
        for tracker in trackers { link += "&tr=\(PercentEncoding.encode(tracker))" }
        return link
    }

    private static func strings(_ value: BencodeValue?) -> [String] {
        if let single = value?.utf8Value { return [single] }
        return value?.listValue?.compactMap(\.utf8Value) ?? []
    }
}
