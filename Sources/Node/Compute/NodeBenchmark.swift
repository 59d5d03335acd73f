import Foundation

/// What a node measured of its own machine, once, for judging VM offers (the RFC's self-benchmark): cores, the
/// clock of a core, memory, a memory copy rate and a durable disk write rate. Kept in `benchmark.json` in the data
/// directory; `zenfs node benchmark` measures again.
public struct NodeBenchmark: Codable, Sendable, Equatable {
    public var cores: Int
    /// MHz of a core as the kernel reports it (0 when it does not).
    public var megahertz: Int
    public var memoryBytes: UInt64
    /// MB/s of a 64 MiB memory copy.
    public var memoryCopyMBps: Int
    /// MB/s of 64 MiB written and synced in the data directory.
    public var diskWriteMBps: Int
    /// When it was measured (seconds since 1970).
    public var measuredAt: Int64

    public static let fileName = "benchmark.json"

    /// The cached benchmark of `dataDirectory`, measured now when there is none (or `again`).
    public static func loadOrMeasure(dataDirectory: String, again: Bool = false) throws -> NodeBenchmark {
        let path = dataDirectory + "/" + fileName
        if !again, let data = FileManager.default.contents(atPath: path),
            let cached = try? JSONDecoder().decode(NodeBenchmark.self, from: data)
        {
            return cached
        }
        let measured = try measure(in: dataDirectory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(measured).write(to: URL(fileURLWithPath: path), options: .atomic)
        return measured
    }

    /// Measures this machine, writing a scratch file in `directory`.
    public static func measure(in directory: String) throws -> NodeBenchmark {
        NodeBenchmark(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            megahertz: cpuMegahertz(),
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            memoryCopyMBps: memoryCopyRate(),
            diskWriteMBps: try diskWriteRate(in: directory),
            measuredAt: Int64(Date().timeIntervalSince1970)
        )
    }

    /// The first `cpu MHz` of /proc/cpuinfo, rounded.
    static func cpuMegahertz() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("cpu MHz") {
            if let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) })
            {
                return Int(value.rounded())
            }
        }
        return 0
    }

    static let sampleBytes = 64 << 20

    static func memoryCopyRate() -> Int {
        let source = [UInt8](repeating: 0x5a, count: sampleBytes)
        var target = [UInt8](repeating: 0, count: sampleBytes)
        let started = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<4 {
            target.withUnsafeMutableBytes { out in
                source.withUnsafeBytes { input in out.copyMemory(from: input) }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        precondition(target[sampleBytes - 1] == 0x5a)
        return Int(Double(4 * sampleBytes) / 1e6 / max(seconds, 1e-6))
    }

    static func diskWriteRate(in directory: String) throws -> Int {
        let path = directory + "/.benchmark-\(getpid())"
        defer { unlink(path) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchmarkError.cannotWrite(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0xa5, count: 1 << 20)
        let started = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<(sampleBytes >> 20) {
            let written = block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == block.count else {
                throw BenchmarkError.cannotWrite(path, String(cString: strerror(errno)))
            }
        }
        guard fsync(descriptor) == 0 else { throw BenchmarkError.cannotWrite(path, String(cString: strerror(errno))) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Int(Double(sampleBytes) / 1e6 / max(seconds, 1e-6))
    }
}

/// Why the self-benchmark could not run.
public enum BenchmarkError: Error, CustomStringConvertible {
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): "cannot write the benchmark's scratch file \(path): \(reason)"
        }
    }
}
