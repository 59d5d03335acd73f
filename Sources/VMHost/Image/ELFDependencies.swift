/// What a dynamically linked 64-bit little-endian ELF binary asks of the loader: its interpreter (`PT_INTERP`)
/// and the libraries it names (`DT_NEEDED`). Enough to copy a Debian binary's libraries into a guest without
/// running the binary or `ldd`.
struct ELFDependencies: Equatable, Sendable {
    var interpreter: String?
    var needed: [String]

    private enum Constant {
        static let programHeaderLoad: UInt32 = 1
        static let programHeaderDynamic: UInt32 = 2
        static let programHeaderInterpreter: UInt32 = 3
        static let dynamicNeeded: UInt64 = 1
        static let dynamicStringTable: UInt64 = 5
        /// Bounds against malformed files.
        static let maximumProgramHeaders = 256
        static let maximumDynamicEntries = 4_096
    }

    /// Parses `bytes`, the whole file; `path` only names it in errors.
    init(bytes: [UInt8], path: String) throws(VMHostError) {
        func fail(_ problem: String) -> VMHostError { .badELF(path: path, problem: problem) }
        guard bytes.count >= 64, bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46] else { throw fail("no ELF magic") }
        guard bytes[4] == 2, bytes[5] == 1 else { throw fail("not 64-bit little-endian") }
        func integer(_ offset: Int, _ size: Int) throws(VMHostError) -> UInt64 {
            guard offset >= 0, offset + size <= bytes.count else { throw fail("field past the end at \(offset)") }
            var value: UInt64 = 0
            for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
            return value
        }
        func string(at offset: Int) throws(VMHostError) -> String {
            guard offset >= 0, offset < bytes.count else { throw fail("string past the end") }
            guard let end = bytes[offset...].firstIndex(of: 0) else { throw fail("unterminated string") }
            return String(decoding: bytes[offset..<end], as: UTF8.self)
        }
        let headerOffset = Int(try integer(0x20, 8))
        let headerSize = Int(try integer(0x36, 2))
        let headerCount = Int(try integer(0x38, 2))
        guard headerCount <= Constant.maximumProgramHeaders, headerSize >= 56 else { throw fail("bad program headers") }
        var loads: [(virtual: UInt64, offset: UInt64, size: UInt64)] = []
        var dynamic: (offset: Int, size: Int)?
        var interpreter: String?
        for index in 0..<headerCount {
            let base = headerOffset + index * headerSize
            let type = UInt32(try integer(base, 4))
            let offset = try integer(base + 8, 8)
            let virtual = try integer(base + 16, 8)
            let fileSize = try integer(base + 32, 8)
            switch type {
            case Constant.programHeaderLoad: loads.append((virtual, offset, fileSize))
            case Constant.programHeaderDynamic: dynamic = (Int(offset), Int(fileSize))
            case Constant.programHeaderInterpreter: interpreter = try string(at: Int(offset))
            default: break
            }
        }
        var neededOffsets: [UInt64] = []
        var stringTableAddress: UInt64?
        if let dynamic {
            for index in 0..<min(dynamic.size / 16, Constant.maximumDynamicEntries) {
                let tag = try integer(dynamic.offset + index * 16, 8)
                let value = try integer(dynamic.offset + index * 16 + 8, 8)
                if tag == 0 { break }
                if tag == Constant.dynamicNeeded { neededOffsets.append(value) }
                if tag == Constant.dynamicStringTable { stringTableAddress = value }
            }
        }
        var needed: [String] = []
        if !neededOffsets.isEmpty {
            guard let address = stringTableAddress,
                let segment = loads.first(where: { address >= $0.virtual && address < $0.virtual + $0.size })
            else { throw fail("no string table for its libraries") }
            let tableOffset = Int(address - segment.virtual + segment.offset)
            for offset in neededOffsets { needed.append(try string(at: tableOffset + Int(offset))) }
        }
        self.interpreter = interpreter
        self.needed = needed
    }
}
