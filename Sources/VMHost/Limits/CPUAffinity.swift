import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Pins threads (such as QEMU's vCPU threads) to host CPUs with `sched_setaffinity`. Glibc declares it only
/// under `_GNU_SOURCE`, which Swift's Glibc module does not set, so the function is looked up by name.
public enum CPUAffinity {
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
    /// A CPU mask of 1,024 bits, the size of glibc's `cpu_set_t`.
    private static let maskWords = 16

    /// The number of CPUs online.
    public static var availableCPUs: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Pins thread `threadID` to the one CPU `cpu`.
    public static func pin(thread threadID: Int32, to cpu: Int) throws(VMHostError) {
        guard cpu >= 0, cpu < maskWords * 64 else { throw .limits("CPU \(cpu) is out of range") }
        var mask = [UInt64](repeating: 0, count: maskWords)
        mask[cpu / 64] = UInt64(1) << UInt64(cpu % 64)
        let call = try function("sched_setaffinity")
        let result = mask.withUnsafeMutableBytes { call(threadID, $0.count, $0.baseAddress!) }
        guard result == 0 else {
            throw .limits("cannot pin thread \(threadID) to CPU \(cpu): \(String(cString: strerror(errno)))")
        }
    }

    /// The CPUs thread `threadID` may run on.
    public static func cpus(of threadID: Int32) throws(VMHostError) -> [Int] {
        var mask = [UInt64](repeating: 0, count: maskWords)
        let call = try function("sched_getaffinity")
        let result = mask.withUnsafeMutableBytes { call(threadID, $0.count, $0.baseAddress!) }
        guard result == 0 else {
            throw .limits("cannot read the affinity of thread \(threadID): \(String(cString: strerror(errno)))")
        }
        return (0..<(maskWords * 64)).filter { mask[$0 / 64] & (UInt64(1) << UInt64($0 % 64)) != 0 }
    }

    private static func function(_ name: String) throws(VMHostError) -> AffinityCall {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            throw .limits("\(name) is not available in this C library")
        }
        return unsafeBitCast(symbol, to: AffinityCall.self)
    }
}
