import ArgumentParser
import Chain
import Foundation
import Node
import Sealing

/// Private files for `zenfs upload --encrypt` and `zenfs get`: sealed with a key derived from the wallet's
/// first key before they are split, so holders only ever keep ciphertext; opened again for their owner.
enum PrivateFiles {
    static func secret(_ global: GlobalOptions) throws -> [UInt8] {
        guard let key = try WalletCommand.open(global).keys().first else {
            throw ValidationError("the wallet has no key to seal with: run zenfs wallet new")
        }
        return key.secret
    }

    /// Seals a local file into a fresh folder under its neutral name; returns the folder and the sealed path.
    static func seal(_ path: String, global: GlobalOptions) throws -> (folder: String, path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ValidationError("--encrypt takes one local file (pack a folder into an archive first)")
        }
        let content = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let name = (path as NSString).lastPathComponent
        let digest = Hash256.sha256(Array(name.utf8) + [0] + content).bytes
        let sealed = try PrivateFile.seal(name: name, content: content, digest: digest, secret: try secret(global))
        let folder = NSTemporaryDirectory() + "zenfs-seal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let sealedPath = folder + "/" + sealed.name
        try Data(sealed.bytes).write(to: URL(fileURLWithPath: sealedPath))
        return (folder, sealedPath)
    }

    /// After `zenfs get` wrote `path`: a private file is opened into its own name beside it and the sealed copy
    /// removed; returns the path to show. Another wallet's or an altered file fails with a clear error and
    /// writes nothing.
    static func openIfSealed(_ path: String, global: GlobalOptions) throws -> String {
        var isDirectory: ObjCBool = false
        guard path.hasSuffix(PrivateFile.sealedExtension),
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
        else { return path }
        let sealed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let opened: (name: String, content: [UInt8])
        let key = try secret(global)
        do { opened = try PrivateFile.open(sealed, secret: key) } catch {
            throw ValidationError("cannot open the private file \(path): \(error)")
        }
        let target = (path as NSString).deletingLastPathComponent + "/" + opened.name
        guard !FileManager.default.fileExists(atPath: target) else {
            throw ValidationError("\(target) exists already: move it away to open the private file here")
        }
        try Data(opened.content).write(to: URL(fileURLWithPath: target))
        try FileManager.default.removeItem(atPath: path)
        return target
    }
}
