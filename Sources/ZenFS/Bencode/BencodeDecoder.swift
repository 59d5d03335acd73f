/// A strict bencode decoder: it accepts only canonical input (integers without leading zeros or `-0`, dictionary
/// keys sorted and unique, nothing after the value) and bounds depth, string lengths, item count and input size,
/// so hostile input costs little. Every error carries the byte offset where it was found.
public struct BencodeDecoder: Sendable {
    /// Bounds that keep hostile input cheap.
    public struct Limits: Sendable {
        public var maxInputLength: Int
        public var maxStringLength: Int
        public var maxDepth: Int
        public var maxItems: Int

        public init(maxInputLength: Int, maxStringLength: Int, maxDepth: Int, maxItems: Int) {
            self.maxInputLength = maxInputLength
            self.maxStringLength = maxStringLength
            self.maxDepth = maxDepth
            self.maxItems = maxItems
        }

        /// Bounds for metainfo files: 64 MiB of input (over three million pieces), 64 levels, a million values.
        public static let metainfo = Limits(
            maxInputLength: 64 << 20,
            maxStringLength: 64 << 20,
            maxDepth: 64,
            maxItems: 1 << 20
        )
    }

    /// Where one entry of a dictionary sits in the input.
    public struct Span: Equatable, Sendable {
        public let key: [UInt8]
        /// The byte range of the entry's value, exactly as it appears in the input.
        public let valueRange: Range<Int>
    }

    public let limits: Limits

    public init(limits: Limits = .metainfo) {
        self.limits = limits
    }

    /// Decodes exactly one value that spans the whole input.
    public func decode(_ input: [UInt8]) throws(BencodeError) -> BencodeValue {
        var cursor = try Cursor(input: input, limits: limits)
        let value = try cursor.value(depth: 0)
        try cursor.expectEnd()
        return value
    }

    /// Decodes the whole input, which must be a dictionary, and also returns where each top-level entry's value
    /// lies in the input: the info-hash of a metainfo is the SHA1 of its `info` bytes exactly as read.
    public func decodeDictionaryWithSpans(_ input: [UInt8]) throws(BencodeError) -> (BencodeValue, [Span]) {
        var cursor = try Cursor(input: input, limits: limits)
        guard let first = input.first else { throw BencodeError(.unexpectedEnd, at: 0) }
        guard first == UInt8(ascii: "d") else { throw BencodeError(.unexpectedByte(first), at: 0) }
        var spans: [Span] = []
        let value = try cursor.dictionary(depth: 0) { key, range in spans.append(Span(key: key, valueRange: range)) }
        try cursor.expectEnd()
        return (value, spans)
    }
}

extension BencodeDecoder {
    /// The reading position over one input; each method consumes one construct.
    fileprivate struct Cursor {
        let input: [UInt8]
        let limits: Limits
        var offset = 0
        var items = 0

        init(input: [UInt8], limits: Limits) throws(BencodeError) {
            guard input.count <= limits.maxInputLength else {
                throw BencodeError(.inputTooLarge(length: input.count, limit: limits.maxInputLength), at: 0)
            }
            self.input = input
            self.limits = limits
        }

        func peek() throws(BencodeError) -> UInt8 {
            guard offset < input.count else { throw BencodeError(.unexpectedEnd, at: offset) }
            return input[offset]
        }

        func expectEnd() throws(BencodeError) {
            if offset != input.count { throw BencodeError(.trailingBytes(count: input.count - offset), at: offset) }
        }

        mutating func countItem() throws(BencodeError) {
            items += 1
            if items > limits.maxItems { throw BencodeError(.tooManyItems(limit: limits.maxItems), at: offset) }
        }

        mutating func value(depth: Int) throws(BencodeError) -> BencodeValue {
            try countItem()
            let byte = try peek()
            switch byte {
            case UInt8(ascii: "i"): return .integer(try integer())
            case UInt8(ascii: "l"): return try list(depth: depth)
            case UInt8(ascii: "d"): return try dictionary(depth: depth) { _, _ in }
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return .string(try string())
            default: throw BencodeError(.unexpectedByte(byte), at: offset)
            }
        }

        mutating func integer() throws(BencodeError) -> Int64 {
            let start = offset
            offset += 1  // "i"
            let negative = try peek() == UInt8(ascii: "-")
            if negative { offset += 1 }
            let digitsStart = offset
            var magnitude: UInt64 = 0
            while true {
                let byte = try peek()
                if byte == UInt8(ascii: "e") { break }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                    throw BencodeError(.unexpectedByte(byte), at: offset)
                }
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                if overflow1 || overflow2 { throw BencodeError(.integerOutOfRange, at: start) }
                magnitude = sum
                offset += 1
            }
            let digitCount = offset - digitsStart
            if digitCount == 0 || (input[digitsStart] == UInt8(ascii: "0") && (digitCount > 1 || negative)) {
                throw BencodeError(.nonCanonicalInteger, at: start)
            }
            offset += 1  // "e"
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw BencodeError(.integerOutOfRange, at: start) }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { throw BencodeError(.integerOutOfRange, at: start) }
            return Int64(magnitude)
        }

        mutating func string() throws(BencodeError) -> [UInt8] {
            let start = offset
            var length = 0
            while true {
                let byte = try peek()
                if byte == UInt8(ascii: ":") { break }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                    throw BencodeError(.unexpectedByte(byte), at: offset)
                }
                if offset - start >= 10 {
                    throw BencodeError(.stringTooLong(length: Int.max, limit: limits.maxStringLength), at: start)
                }
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
                offset += 1
            }
            if input[start] == UInt8(ascii: "0") && offset - start > 1 {
                throw BencodeError(.nonCanonicalInteger, at: start)
            }
            guard length <= limits.maxStringLength else {
                throw BencodeError(.stringTooLong(length: length, limit: limits.maxStringLength), at: start)
            }
            offset += 1  // ":"
            guard length <= input.count - offset else { throw BencodeError(.unexpectedEnd, at: input.count) }
            let bytes = Array(input[offset..<offset + length])
            offset += length
            return bytes
        }

        mutating func list(depth: Int) throws(BencodeError) -> BencodeValue {
            guard depth < limits.maxDepth else {
                throw BencodeError(.nestingTooDeep(limit: limits.maxDepth), at: offset)
            }
            offset += 1  // "l"
            var values: [BencodeValue] = []
            while try peek() != UInt8(ascii: "e") {
                values.append(try value(depth: depth + 1))
            }
            offset += 1
            return .list(values)
        }

        mutating func dictionary(
            depth: Int,
            onEntry: (_ key: [UInt8], _ valueRange: Range<Int>) -> Void
        ) throws(BencodeError) -> BencodeValue {
            guard depth < limits.maxDepth else {
                throw BencodeError(.nestingTooDeep(limit: limits.maxDepth), at: offset)
            }
            offset += 1  // "d"
            var entries: [[UInt8]: BencodeValue] = [:]
            var previousKey: [UInt8]?
            while true {
                let byte = try peek()
                if byte == UInt8(ascii: "e") { break }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                    throw BencodeError(.unexpectedByte(byte), at: offset)
                }
                let keyOffset = offset
                let key = try string()
                if let previousKey {
                    if previousKey == key { throw BencodeError(.duplicateKey, at: keyOffset) }
                    if !previousKey.lexicographicallyPrecedes(key) { throw BencodeError(.keysNotSorted, at: keyOffset) }
                }
                let valueStart = offset
                entries[key] = try value(depth: depth + 1)
                onEntry(key, valueStart..<offset)
                previousKey = key
            }
            offset += 1
            return .dictionary(entries)
        }
    }
}
