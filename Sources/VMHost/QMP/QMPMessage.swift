import Foundation

/// One line QEMU sends on its QMP socket: the greeting, a command's success or error, or an asynchronous event.
/// A command's result is kept as the JSON bytes of its whole line and decoded by the caller into the type it
/// expects (`QMPMessage.decodeReturn`).
public enum QMPMessage: Equatable, Sendable {
    case greeting(version: String)
    case success(returnJSON: Data)
    case failure(errorClass: String, description: String)
    case event(name: String)

    /// Reads one line (a JSON object). Anything else is a `VMHostError.qmp`.
    public static func parse(_ line: String) throws(VMHostError) -> QMPMessage {
        let data = Data(line.utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .qmp("not a JSON object: \(line.prefix(200))")
        }
        if let greeting = object["QMP"] as? [String: Any] {
            let version = (greeting["version"] as? [String: Any])?["qemu"] as? [String: Any]
            let parts = ["major", "minor", "micro"].map { (version?[$0] as? Int).map(String.init) ?? "?" }
            return .greeting(version: parts.joined(separator: "."))
        }
        if object["return"] != nil { return .success(returnJSON: data) }
        if let error = object["error"] as? [String: Any] {
            return .failure(
                errorClass: error["class"] as? String ?? "unknown",
                description: error["desc"] as? String ?? ""
            )
        }
        if let event = object["event"] as? String { return .event(name: event) }
        throw .qmp("a message that is neither greeting, return, error nor event: \(line.prefix(200))")
    }

    /// Decodes the return value in a `success` line's JSON as `T`.
    public static func decodeReturn<T: Decodable>(_ type: T.Type, from json: Data, command: String) throws(VMHostError)
        -> T
    {
        do {
            return try JSONDecoder().decode(ReturnEnvelope<T>.self, from: json).value
        } catch {
            throw .qmp("the answer to \(command) is not what was expected: \(error)")
        }
    }
}

/// `{"return": VALUE}`.
private struct ReturnEnvelope<Value: Decodable>: Decodable {
    var value: Value

    enum CodingKeys: String, CodingKey { case value = "return" }
}

/// The answer to `query-status`.
public struct QMPStatus: Decodable, Equatable, Sendable {
    /// QEMU's run state: `running`, `paused`, `shutdown`, …
    public var status: String
    public var running: Bool

    public init(status: String, running: Bool) {
        self.status = status
        self.running = running
    }
}

/// One vCPU in the answer to `query-cpus-fast`: its index and the host thread that runs it.
public struct QMPCPU: Decodable, Equatable, Sendable {
    public var cpuIndex: Int
    public var threadID: Int32

    enum CodingKeys: String, CodingKey {
        case cpuIndex = "cpu-index"
        case threadID = "thread-id"
    }

    public init(cpuIndex: Int, threadID: Int32) {
        self.cpuIndex = cpuIndex
        self.threadID = threadID
    }
}

/// One block device in the answer to `query-blockstats`: bytes and operations read and written by the guest.
public struct QMPBlockStats: Decodable, Equatable, Sendable {
    public var device: String
    public var readBytes: UInt64
    public var writtenBytes: UInt64
    public var readOperations: UInt64
    public var writeOperations: UInt64

    enum CodingKeys: String, CodingKey {
        case device, qdev, stats
    }

    enum StatsKeys: String, CodingKey {
        case readBytes = "rd_bytes"
        case writtenBytes = "wr_bytes"
        case readOperations = "rd_operations"
        case writeOperations = "wr_operations"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let device = try container.decodeIfPresent(String.self, forKey: .device) ?? ""
        self.device = device.isEmpty ? (try container.decodeIfPresent(String.self, forKey: .qdev) ?? "") : device
        let stats = try container.nestedContainer(keyedBy: StatsKeys.self, forKey: .stats)
        readBytes = try stats.decode(UInt64.self, forKey: .readBytes)
        writtenBytes = try stats.decode(UInt64.self, forKey: .writtenBytes)
        readOperations = try stats.decode(UInt64.self, forKey: .readOperations)
        writeOperations = try stats.decode(UInt64.self, forKey: .writeOperations)
    }

    public init(
        device: String,
        readBytes: UInt64,
        writtenBytes: UInt64,
        readOperations: UInt64,
        writeOperations: UInt64
    ) {
        self.device = device
        self.readBytes = readBytes
        self.writtenBytes = writtenBytes
        self.readOperations = readOperations
        self.writeOperations = writeOperations
    }
}
