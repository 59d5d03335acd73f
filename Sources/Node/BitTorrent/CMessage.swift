extension Array where Element == CChar {
    /// The text a C function wrote into this buffer, up to its NUL.
    var cMessage: String {
        String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
