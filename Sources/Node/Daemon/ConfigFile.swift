import Chain
import Foundation
import Market
import ZenFS

/// Why `config.toml` was refused.
public enum ConfigFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case syntax(line: Int, String)
    case unknownKey(line: Int, String)
    case badValue(line: Int, key: String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the configuration file \(path)"
        case .syntax(let line, let detail): "config.toml line \(line): \(detail)"
        case .unknownKey(let line, let key): "config.toml line \(line): unknown key '\(key)'"
        case .badValue(let line, let key, let expected): "config.toml line \(line): '\(key)' must be \(expected)"
        }
    }
}

/// The node's configuration file: the subset of TOML that its settings need — `[node]` table, `key = value`
/// with strings, integers, floats, booleans and arrays of strings, `#` comments. Anything else is an error
/// naming its line. (The TOML package available here depends on packages that are not, so this is our own.)
public struct ConfigFile: Equatable {
    public enum Value: Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case strings([String])
    }

    /// `table.key` → value and the line it was on.
    public var values: [String: (value: Value, line: Int)] = [:]

    public static func == (lhs: ConfigFile, rhs: ConfigFile) -> Bool {
        lhs.values.mapValues(\.value) == rhs.values.mapValues(\.value)
    }

    public static func load(path: String) throws -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigFileError.unreadable(path)
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(ConfigFileError) -> ConfigFile {
        var file = ConfigFile()
        var table = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = stripComment(rawLine).trimmingSpaces()
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else { throw .syntax(line: number, "bad table header") }
                table = String(line.dropFirst().dropLast()).trimmingSpaces()
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw .syntax(line: number, "expected key = value") }
            let key = String(line[..<equals]).trimmingSpaces()
            let valueText = String(line[line.index(after: equals)...]).trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw .syntax(line: number, "bad key '\(key)'")
            }
            let fullKey = table.isEmpty ? key : table + "." + key
            guard file.values[fullKey] == nil else { throw .syntax(line: number, "'\(fullKey)' given twice") }
            file.values[fullKey] = (try value(valueText, line: number), number)
        }
        return file
    }

    /// Applies the `[node]` settings to a configuration; unknown keys are errors.
    public func apply(to configuration: inout NodeConfiguration) throws(ConfigFileError) {
        for (key, entry) in values {
            let (value, line) = entry
            switch (key, value) {
            case ("node.listen", .string(let text)):
                guard let address = PeerAddress(parsing: text) else {
                    throw .badValue(line: line, key: key, expected: "\"HOST:PORT\"")
                }
                configuration.listen = address
            case ("node.port", .number(let port)):
                guard let port = UInt16(exactly: port), port > 0 else {
                    throw .badValue(line: line, key: key, expected: "a port number")
                }
                configuration.listen = PeerAddress(host: configuration.listen.host, port: port)
            case ("node.advertise", .string(let text)):
                guard let address = PeerAddress(parsing: text) else {
                    throw .badValue(line: line, key: key, expected: "\"HOST:PORT\"")
                }
                configuration.advertise = address
            case ("node.peers", .strings(let texts)):
                var peers: [PeerAddress] = []
                for text in texts {
                    guard let address = PeerAddress(parsing: text) else {
                        throw .badValue(line: line, key: key, expected: "a list of \"HOST:PORT\"")
                    }
                    peers.append(address)
                }
                configuration.peers = peers
            case ("node.network", .string(let name)):
                guard let network = NetworkParameters.named(name) else {
                    throw .badValue(line: line, key: key, expected: "a known network (development)")
                }
                configuration.network = network
            case ("node.hop_limit", .number(let hops)):
                guard let hops = UInt8(exactly: hops) else { throw .badValue(line: line, key: key, expected: "0…255") }
                configuration.hopLimit = hops
            case ("node.idle_timeout", .number(let seconds)) where seconds > 0:
                configuration.idleTimeoutSeconds = seconds
            case ("node.fetch_timeout", .number(let seconds)) where seconds > 0:
                configuration.fetchTimeoutSeconds = seconds
            case ("node.minimum_task_bits", .string(let text)):
                guard let bits = UInt32(text, radix: 16), CompactTarget(bits: bits) != nil else {
                    throw .badValue(
                        line: line,
                        key: key,
                        expected: "a compact target in hexadecimal, such as \"1f00ffff\""
                    )
                }
                configuration.minimumTaskBits = bits
            case ("node.web", .string(let text)):
                if text == "off" {
                    configuration.web = nil
                } else {
                    guard let address = PeerAddress(parsing: text) else {
                        throw .badValue(line: line, key: key, expected: "\"HOST:PORT\" or \"off\"")
                    }
                    configuration.web = address
                }
            case ("node.metrics", .string(let text)):
                if text == "off" {
                    configuration.metrics = nil
                } else {
                    guard let address = PeerAddress(parsing: text) else {
                        throw .badValue(line: line, key: key, expected: "\"HOST:PORT\" or \"off\"")
                    }
                    configuration.metrics = address
                }
            case ("node.tracker", .string(let text)):
                if text == "off" {
                    configuration.tracker = nil
                } else {
                    guard let address = PeerAddress(parsing: text) else {
                        throw .badValue(line: line, key: key, expected: "\"HOST:PORT\" or \"off\"")
                    }
                    configuration.tracker = address
                }
            case ("node.dht_bootstrap", .strings(let texts)):
                guard texts.allSatisfy({ PeerAddress(parsing: $0) != nil }) else {
                    throw .badValue(line: line, key: key, expected: "a list of \"HOST:PORT\" or \"off\"")
                }
                configuration.dht = .bootstrap(texts)
            case ("node.dht_bootstrap", .string("off")):
                configuration.dht = .off
            case ("node.mine", .bool(let mine)):
                configuration.mining = mine
            case ("node.block_interval", .number(let seconds)) where seconds > 0:
                configuration.blockIntervalSeconds = seconds
            case ("node.listen", _), ("node.port", _), ("node.advertise", _), ("node.peers", _), ("node.network", _),
                ("node.hop_limit", _), ("node.idle_timeout", _), ("node.fetch_timeout", _), ("node.mine", _),
                ("node.minimum_task_bits", _), ("node.dht_bootstrap", _),
                ("node.block_interval", _):
                throw .badValue(line: line, key: key, expected: "of another type")
            case ("pps.interval", .string(let text)):
                guard let seconds = try? DurationText.seconds(text), seconds > 0 else {
                    throw .badValue(line: line, key: key, expected: "a positive duration such as \"60s\"")
                }
                configuration.proofDefaults = ProofOrder(
                    mode: configuration.proofDefaults?.mode ?? .merkle,
                    intervalSeconds: seconds
                )
            case ("pps.mode", .string(let text)):
                guard let mode = ProofOrder.Mode(rawValue: text) else {
                    throw .badValue(line: line, key: key, expected: "\"merkle\" or \"private\"")
                }
                configuration.proofDefaults = ProofOrder(
                    mode: mode,
                    intervalSeconds: configuration.proofDefaults?.intervalSeconds ?? 60
                )
            case ("pps.interval", _), ("pps.mode", _):
                throw .badValue(line: line, key: key, expected: "a string")
            case (let key, let value) where key.hasPrefix("market."):
                let name = String(key.dropFirst("market.".count))
                guard MarketSettings.keys.contains(name) else { throw .unknownKey(line: line, key) }
                let text: String
                switch value {
                case .string(let string): text = string
                case .number(let number) where number == number.rounded(): text = String(Int64(number))
                default:
                    throw .badValue(line: line, key: key, expected: "a string such as \"20GiB\" or \"0.5/GiB-month\"")
                }
                do { try configuration.market.set(name, text) } catch {
                    throw .badValue(line: line, key: key, expected: "\(error)")
                }
            case (let key, let value) where key.hasPrefix("compute."):
                let name = String(key.dropFirst("compute.".count))
                guard ComputeSettings.keys.contains(name), case .string(let text) = value else {
                    throw .unknownKey(line: line, key)
                }
                do { try configuration.compute.set(name, text) } catch {
                    throw .badValue(line: line, key: key, expected: "\(error)")
                }
            default:
                throw .unknownKey(line: line, key)
            }
        }
    }

    private static func value(_ text: String, line: Int) throws(ConfigFileError) -> Value {
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if text.hasPrefix("\"") { return .string(try string(text, line: line)) }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw .syntax(line: line, "unclosed array") }
            let inner = String(text.dropFirst().dropLast()).trimmingSpaces()
            if inner.isEmpty { return .strings([]) }
            var items: [String] = []
            for item in inner.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = String(item).trimmingSpaces()
                if trimmed.isEmpty, item == inner.split(separator: ",", omittingEmptySubsequences: false).last {
                    continue
                }
                items.append(try string(trimmed, line: line))
            }
            return .strings(items)
        }
        guard let number = Double(text.replacingUnderscores()) else {
            throw .syntax(line: line, "cannot read the value '\(text)'")
        }
        return .number(number)
    }

    private static func string(_ text: String, line: Int) throws(ConfigFileError) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else {
            throw .syntax(line: line, "expected a \"quoted string\"")
        }
        let inner = text.dropFirst().dropLast()
        guard !inner.contains("\""), !inner.contains("\\") else {
            throw .syntax(line: line, "escapes and inner quotes are not supported")
        }
        return String(inner)
    }

    private static func stripComment(_ line: Substring) -> Substring {
        var inString = false
        for index in line.indices {
            if line[index] == "\"" { inString.toggle() }
            if line[index] == "#" && !inString { return line[..<index] }
        }
        return line
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(
            drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed().drop(while: {
                $0 == " " || $0 == "\t" || $0 == "\r"
            }).reversed()
        )
    }

    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
