import Chain
import Foundation

/// Why the wallet could not do what was asked.
public enum WalletError: Error, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case insufficientFunds(available: Amount, needed: Amount)
    case badAddress(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read the wallet \(path): \(reason)"
        case .insufficientFunds(let available, let needed):
            "not enough mature coins: \(available) available, \(needed) needed (amount and fee)"
        case .badAddress(let text): "'\(text)' is not a Zennet address (zen…, 51 characters)"
        }
    }
}

/// The wallet: keys in `wallet.json` (mode 0600) in the data directory, and mined identities. It holds only its
/// own keys on every network: a new wallet is empty until its node mines or, on the development network, until
/// `DevelopmentFaucet` pays it from the premine.
public struct Wallet {
    struct Stored: Codable {
        struct Key: Codable {
            var secret: String
            var publicKey: String
            var created: Date
        }
        struct Identity: Codable {
            var role: String
            var secret: String
            var publicKey: String
            var nonce: UInt64
        }
        var keys: [Key] = []
        var identities: [Identity] = []
    }

    public let path: String
    public let network: NetworkParameters
    private var stored: Stored

    /// The fee `send` pays.
    public static let fee = Amount(units: 10_000)

    /// Opens the wallet of a data directory, creating it with one key.
    public static func open(dataDirectory: String, network: NetworkParameters) throws -> Wallet {
        let path = dataDirectory + "/wallet.json"
        var wallet = Wallet(path: path, network: network, stored: Stored())
        if FileManager.default.fileExists(atPath: path) {
            do {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                wallet.stored = try decoder.decode(Stored.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw WalletError.unreadable(path, "\(error)")
            }
        } else {
            try FileManager.default.createDirectory(
                atPath: dataDirectory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            _ = try wallet.newKey()
        }
        return wallet
    }

    /// Every key the wallet can spend with: its own, never a shared one.
    public func keys() throws -> [PrivateKey] {
        try stored.keys.map { key in
            try PrivateKey(
                secret: Hex.decode(key.secret) ?? [],
                publicKey: try PublicKey(bytes: Hex.decode(key.publicKey) ?? [])
            )
        }
    }

    /// The address new coins (mining rewards, change) go to: the wallet's first key.
    public func primaryAddress() throws -> Address { Address(publicKey: try keys()[0].publicKey) }

    /// Adds a key and saves; returns its address.
    public mutating func newKey() throws -> Address {
        let key = try PrivateKey.generate()
        stored.keys.append(
            Stored.Key(secret: Hex.encode(key.secret), publicKey: Hex.encode(key.publicKey.bytes), created: Date())
        )
        try save()
        return Address(publicKey: key.publicKey)
    }

    /// Records a mined identity and saves.
    public mutating func addIdentity(role: String, key: PrivateKey, identity: MinedIdentity) throws {
        stored.identities.append(
            Stored.Identity(
                role: role,
                secret: Hex.encode(key.secret),
                publicKey: Hex.encode(key.publicKey.bytes),
                nonce: identity.nonce
            )
        )
        try save()
    }

    private func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let temporary = path + ".tmp"
        guard
            FileManager.default.createFile(
                atPath: temporary,
                contents: try encoder.encode(stored),
                attributes: [.posixPermissions: 0o600]
            ),
            rename(temporary, path) == 0
        else { throw WalletError.unreadable(path, "cannot write") }
    }

    /// A signed transfer of `amount` to `destination` from `coins` (spendable outputs the wallet owns), with
    /// change back to the primary address.
    public func transfer(
        _ amount: Amount,
        to destination: Address,
        from coins: [(OutPoint, TransactionOutput)]
    ) throws -> Transaction {
        let keys = try keys()
        let byAddress = Dictionary(keys.map { (Address(publicKey: $0.publicKey), $0) }, uniquingKeysWith: { a, _ in a })
        var chosen: [(OutPoint, PrivateKey)] = []
        var total = Amount(units: 0)
        let needed = amount + Self.fee
        for (outpoint, output) in coins.sorted(by: { $0.1.amount > $1.1.amount }) {
            guard case .address(let address) = output.lock, let key = byAddress[address] else { continue }
            chosen.append((outpoint, key))
            total = total + output.amount
            if total >= needed { break }
        }
        guard total >= needed else { throw WalletError.insufficientFunds(available: total, needed: needed) }
        var outputs = [TransactionOutput(amount: amount, lock: .address(destination))]
        if total > needed {
            outputs.append(TransactionOutput(amount: total - needed, lock: .address(try primaryAddress())))
        }
        return try Transaction.signedTransfer(spending: chosen, to: outputs)
    }
}
