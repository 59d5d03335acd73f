import Chain
import Glibc
import ZenFS

/// Feeds one input to every parser of outside bytes: bencode, metainfo, chain blocks and transactions, and peer
/// frames. Any input may be rejected; none may crash, hang, or decode to a value that does not re-encode to the
/// same bytes.
func fuzzOne(_ bytes: [UInt8]) {
    if let block = try? Block.decode(bytes) {
        precondition(block.encoded == bytes, "a decoded block must re-encode byte for byte")
    }
    if let transaction = try? TransactionCodec.decode(bytes) {
        precondition(transaction.encoded == bytes, "a decoded transaction must re-encode byte for byte")
    }
    if case .frame(let type, let length) = PeerFrame.checkHeader(bytes.prefix(PeerFrame.headerLength)),
        bytes.count == PeerFrame.headerLength + length,
        let message = try? PeerMessageCodec.decode(type: type, payload: Array(bytes.dropFirst(PeerFrame.headerLength)))
    {
        precondition(PeerFrame.encode(message) == bytes, "a decoded peer message must re-encode byte for byte")
    }
    if let value = try? BencodeDecoder().decode(bytes) {
        precondition(BencodeEncoder.encode(value) == bytes, "a strictly decoded value must re-encode byte for byte")
    }
    if let metainfo = try? Metainfo(parsing: bytes) {
        let reparsed = try? Metainfo(parsing: metainfo.encoded())
        precondition(reparsed?.infoHash == metainfo.infoHash, "re-encoding a metainfo must keep its info-hash")
    }
}

/// libFuzzer's entry point for one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput))
#else
    // Without libFuzzer: replay the files named on the command line (a corpus), one input each.
    for path in CommandLine.arguments.dropFirst() {
        guard let file = fopen(path, "rb") else { continue }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        fclose(file)
        fuzzOne(bytes)
    }
    print("replayed \(CommandLine.arguments.count - 1) inputs")
#endif
