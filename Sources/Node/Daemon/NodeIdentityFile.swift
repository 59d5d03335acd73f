import Chain
import Foundation
import ZenFS

/// Why the node's identity could not be loaded.
public enum IdentityFileError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case wrongNetwork(path: String, stored: String, expected: String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read the node identity \(path): \(reason)"
        case .wrongNetwork(let path, let stored, let expected):
            "the node identity \(path) belongs to the \(stored) network, not \(expected); use another data directory"
        case .invalid(let path, let reason):
            "the node identity \(path) is damaged (\(reason)); move it away to mine a new one"
        }
    }
}

/// The node's mined identity, kept in `identity.json` (mode 0600) in the data directory and mined on first
/// start.
public enum NodeIdentityFile {
    struct Stored: Codable {
        var network: String
        var secret: String
        var publicKey: String
        var nonce: UInt64
    }

    /// Loads the identity, or mines and saves a new one.
    public static func loadOrCreate(dataDirectory: String, network: NetworkParameters) throws -> LocalIdentity {
        let path = dataDirectory + "/identity.json"
        if FileManager.default.fileExists(atPath: path) {
            let stored: Stored
            do {
                stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw IdentityFileError.unreadable(path, "\(error)")
            }
            guard stored.network == network.name else {
                throw IdentityFileError.wrongNetwork(path: path, stored: stored.network, expected: network.name)
            }
            guard let secret = Hex.decode(stored.secret), let publicBytes = Hex.decode(stored.publicKey) else {
                throw IdentityFileError.invalid(path, "not hexadecimal")
            }
            do {
                let key = try PrivateKey(secret: secret, publicKey: try PublicKey(bytes: publicBytes))
                let identity = MinedIdentity(publicKey: key.publicKey, nonce: stored.nonce)
                guard identity.meets(network.nodeIdentityTarget) else {
                    throw IdentityFileError.invalid(path, "its nonce does not meet the identity target")
                }
                return LocalIdentity(privateKey: key, identity: identity, network: network)
            } catch let error as IdentityFileError {
                throw error
            } catch {
                throw IdentityFileError.invalid(path, "\(error)")
            }
        }
        let key = try PrivateKey.generate()
        guard let identity = MinedIdentity.mine(publicKey: key.publicKey, target: network.nodeIdentityTarget) else {
            throw IdentityFileError.invalid(path, "no nonce meets the identity target")
        }
        let stored = Stored(
            network: network.name,
            secret: Hex.encode(key.secret),
            publicKey: Hex.encode(key.publicKey.bytes),
            nonce: identity.nonce
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".tmp"
        let written = FileManager.default.createFile(
            atPath: temporary,
            contents: try encoder.encode(stored),
            attributes: [.posixPermissions: 0o600]
        )
        guard written else {
            throw IdentityFileError.unreadable(temporary, "cannot write it: \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            throw IdentityFileError.unreadable(path, String(cString: strerror(errno)))
        }
        return LocalIdentity(privateKey: key, identity: identity, network: network)
    }
}
