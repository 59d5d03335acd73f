import Crypto
import NIOSSH

/// An Ed25519 key for the SSH tunnel between a node and a publisher: made fresh, kept as its 32 raw bytes, and
/// shown as an OpenSSH public key line (`ssh-ed25519 AAAA…`) that the other side pins.
public struct TunnelKey: Sendable {
    let signing: Curve25519.Signing.PrivateKey

    /// A new random key.
    public init() { signing = Curve25519.Signing.PrivateKey() }

    /// The key with these 32 bytes (from `rawRepresentation`).
    public init(rawRepresentation: [UInt8]) throws(VMHostError) {
        do {
            signing = try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)
        } catch {
            throw .tunnel("not an Ed25519 private key (\(rawRepresentation.count) bytes): \(error)")
        }
    }

    public var rawRepresentation: [UInt8] { Array(signing.rawRepresentation) }

    var privateKey: NIOSSHPrivateKey { NIOSSHPrivateKey(ed25519Key: signing) }

    public var publicKey: NIOSSHPublicKey { privateKey.publicKey }

    /// The public key as an OpenSSH line without a comment.
    public var openSSHPublicKey: String { String(openSSHPublicKey: publicKey) }

    /// Reads an OpenSSH public key line.
    public static func publicKey(openSSH line: String) throws(VMHostError) -> NIOSSHPublicKey {
        let fields = line.split(separator: " ")
        guard fields.count >= 2 else { throw .tunnel("'\(line.prefix(40))' is not an OpenSSH public key line") }
        do {
            return try NIOSSHPublicKey(openSSHPublicKey: fields[0] + " " + fields[1])
        } catch {
            throw .tunnel("'\(line.prefix(40))' is not an OpenSSH public key line: \(error)")
        }
    }
}
