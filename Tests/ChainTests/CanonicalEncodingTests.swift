import Chain
import Testing

struct CanonicalEncodingTests {
    /// Integers, strings and bytes written are read back identically, and nothing is left over.
    @Test func roundTrip() throws {
        var writer = CanonicalWriter()
        writer.write(UInt8(7))
        writer.write(true)
        writer.write(UInt16(0xbeef))
        writer.write(UInt32(0xdead_beef))
        writer.write(UInt64.max)
        writer.write(Int64(-5))
        for value: UInt64 in [0, 0xfc, 0xfd, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000] { writer.writeVarInt(value) }
        writer.writeString("zennet")
        writer.writeBytes([1, 2, 3])
        var reader = CanonicalReader(writer.bytes)
        #expect(try reader.readUInt8() == 7)
        #expect(try reader.readBool())
        #expect(try reader.readUInt16() == 0xbeef)
        #expect(try reader.readUInt32() == 0xdead_beef)
        #expect(try reader.readUInt64() == .max)
        #expect(try reader.readInt64() == -5)
        for value: UInt64 in [0, 0xfc, 0xfd, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000] {
            #expect(try reader.readVarInt() == value)
        }
        #expect(try reader.readString(limit: 16) == "zennet")
        #expect(try reader.readBytes(limit: 3) == [1, 2, 3])
        try reader.finish()
    }

    /// Variable-length integers are little-endian and shortest; longer forms are rejected.
    @Test func varIntsAreCanonical() throws {
        var writer = CanonicalWriter()
        writer.writeVarInt(0x1234)
        #expect(writer.bytes == [0xfd, 0x34, 0x12])
        var padded = CanonicalReader([0xfd, 0x05, 0x00])
        #expect(throws: CanonicalDecodingError.nonMinimalVarInt(offset: 0)) { try padded.readVarInt() }
        var wide = CanonicalReader([0xfe, 0xff, 0xff, 0x00, 0x00])
        #expect(throws: CanonicalDecodingError.nonMinimalVarInt(offset: 0)) { try wide.readVarInt() }
    }

    /// Lengths above the limit fail before any allocation; truncation, bad booleans, bad UTF-8 and
    /// trailing bytes are errors with their offsets.
    @Test func hostileInputs() throws {
        var huge = CanonicalReader([0xff, 0, 0, 0, 0, 1, 0, 0, 0])
        #expect(throws: CanonicalDecodingError.lengthTooLarge(offset: 0, length: 1 << 32, limit: 100)) {
            try huge.readBytes(limit: 100)
        }
        var short = CanonicalReader([5, 1, 2])
        #expect(throws: CanonicalDecodingError.truncated(offset: 1, needed: 3)) { try short.readBytes(limit: 10) }
        var flag = CanonicalReader([2])
        #expect(throws: CanonicalDecodingError.invalidBool(offset: 0, value: 2)) { try flag.readBool() }
        var text = CanonicalReader([2, 0xc3, 0x28])
        #expect(throws: CanonicalDecodingError.invalidUTF8(offset: 0)) { try text.readString(limit: 10) }
        var extra = CanonicalReader([1, 2])
        _ = try extra.readUInt8()
        #expect(throws: CanonicalDecodingError.trailingBytes(offset: 1, count: 1)) { try extra.finish() }
    }
}
