/// The size of a VM: whole cores, memory bytes and disk bytes. Written by people as
/// `cores=2,memory=2GiB,disk=10GiB` (any order; sizes as `ByteSize` reads them; disk may be left out).
public struct VMResources: Hashable, Sendable, Codable, CustomStringConvertible {
    public var cores: UInt32
    public var memoryBytes: UInt64
    public var diskBytes: UInt64

    public init(cores: UInt32, memoryBytes: UInt64, diskBytes: UInt64) {
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.diskBytes = diskBytes
    }

    public static let none = VMResources(cores: 0, memoryBytes: 0, diskBytes: 0)

    /// Reads `cores=N,memory=SIZE[,disk=SIZE]`.
    public init(parsing text: String) throws(VMInputError) {
        var cores: UInt32?
        var memory: UInt64?
        var disk: UInt64 = 0
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard pair.count == 2 else { throw .badResources(text) }
            do {
                switch pair[0] {
                case "cores":
                    guard let count = UInt32(pair[1]), count > 0 else { throw VMInputError.badResources(text) }
                    cores = count
                case "memory": memory = try ByteSize.parse(pair[1])
                case "disk": disk = try ByteSize.parse(pair[1])
                default: throw VMInputError.badResources(text)
                }
            } catch {
                throw .badResources(text)
            }
        }
        guard let cores, let memory, memory > 0 else { throw .badResources(text) }
        self.init(cores: cores, memoryBytes: memory, diskBytes: disk)
    }

    public var description: String {
        "cores=\(cores),memory=\(ByteSize.describe(memoryBytes)),disk=\(ByteSize.describe(diskBytes))"
    }

    /// Whether `other` fits inside these resources.
    public func fits(_ other: VMResources) -> Bool {
        other.cores <= cores && other.memoryBytes <= memoryBytes && other.diskBytes <= diskBytes
    }

    /// These resources less `other` (which must fit).
    public func subtracting(_ other: VMResources) -> VMResources {
        VMResources(
            cores: cores - min(cores, other.cores),
            memoryBytes: memoryBytes - min(memoryBytes, other.memoryBytes),
            diskBytes: diskBytes - min(diskBytes, other.diskBytes)
        )
    }
}
