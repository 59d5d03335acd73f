import Chain
import Foundation
import Glibc
import ZenFS

/// A bare TCP connection to a node, for sending it whatever bytes a test wants.
final class RawPeerConnection {
    let fd: Int32

    init?(port: UInt16) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connected == 0 else {
            close(fd)
            return nil
        }
    }

    deinit { close(fd) }

    /// Sends bytes; false once the node has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads until the node closes the connection (true) or 15 s pass (false); whatever arrives is dropped.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    /// Reads one whole frame.
    func readMessage() -> PeerMessage? {
        guard let header = readExactly(PeerFrame.headerLength),
            case .frame(let type, let length) = PeerFrame.checkHeader(header),
            let payload = readExactly(length)
        else { return nil }
        return try? PeerMessageCodec.decode(type: type, payload: payload)
    }

    /// Completes the handshake as a freshly mined development-network identity.
    func handshake() throws -> Bool {
        let key = try PrivateKey.generate()
        let network = NetworkParameters.development
        let identity = MinedIdentity.mine(publicKey: key.publicKey, target: network.nodeIdentityTarget)!
        let challenge = [UInt8](repeating: 0x5a, count: 32)
        send(
            PeerFrame.encode(
                .hello(
                    Hello(
                        protocolVersion: PeerFrame.protocolVersion,
                        networkID: network.id,
                        identity: identity,
                        challenge: challenge,
                        listenAddress: nil,
                        agent: "raw-test"
                    )
                )
            )
        )
        guard case .hello(let theirs) = readMessage() else { return false }
        let transcript = HandshakeTranscript.message(
            network: network.id,
            challenge: theirs.challenge,
            signer: key.publicKey
        )
        send(PeerFrame.encode(.proof(try key.sign(transcript))))
        guard case .proof = readMessage() else { return false }
        return true
    }

    private func readExactly(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            if got <= 0 { return nil }
            done += got
        }
        return bytes
    }
}
