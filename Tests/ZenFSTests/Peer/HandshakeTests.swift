import Chain
import Testing
import ZenFS

struct HandshakeTests {
    /// Runs two machines against each other until neither has anything to send.
    static func run(
        _ a: inout PeerConnectionStateMachine,
        _ b: inout PeerConnectionStateMachine
    ) -> (a: [PeerConnectionStateMachine.Action], b: [PeerConnectionStateMachine.Action]) {
        var toB = a.start().compactMap(Self.sent)
        var toA = b.start().compactMap(Self.sent)
        var seenA: [PeerConnectionStateMachine.Action] = []
        var seenB: [PeerConnectionStateMachine.Action] = []
        while !toA.isEmpty || !toB.isEmpty {
            let inboxA = toA
            let inboxB = toB
            toA = []
            toB = []
            for message in inboxA {
                let actions = a.receive(message)
                seenA += actions
                toB += actions.compactMap(Self.sent)
            }
            for message in inboxB {
                let actions = b.receive(message)
                seenB += actions
                toA += actions.compactMap(Self.sent)
            }
        }
        return (seenA, seenB)
    }

    static func sent(_ action: PeerConnectionStateMachine.Action) -> PeerMessage? {
        if case .send(let message) = action { return message }
        return nil
    }

    static func machine(_ identity: LocalIdentity, challenge: UInt8 = 1) -> PeerConnectionStateMachine {
        PeerConnectionStateMachine(
            local: identity,
            challenge: Array(repeating: challenge, count: 32),
            listenAddress: PeerTestIdentities.origin,
            agent: "test"
        )
    }

    /// Two honest nodes prove themselves to each other, then pings are answered and queries delivered.
    @Test func honestPeersConnect() throws {
        let alice = try PeerTestIdentities.make()
        let bob = try PeerTestIdentities.make()
        var a = Self.machine(alice)
        var b = Self.machine(bob, challenge: 2)
        let (seenA, seenB) = Self.run(&a, &b)
        #expect(seenA.contains { if case .established(let peer) = $0 { peer.identity == bob.identity } else { false } })
        #expect(
            seenB.contains { if case .established(let peer) = $0 { peer.identity == alice.identity } else { false } }
        )
        #expect(a.isEstablished && b.isEstablished)
        let pong = a.receive(.ping(5))
        #expect(pong == [.send(.pong(5))])
        let delivered = a.receive(.notFound(requestID: 3))
        #expect(delivered == [.deliver(.notFound(requestID: 3))])
        let closed = a.receive(.hello(helloOf(bob)))
        #expect(closed == [.close(.unexpectedMessage(.hello))])
    }

    /// A peer of another network, with too little identity work, or the node itself, is refused at hello.
    @Test func refusals() throws {
        let alice = try PeerTestIdentities.make()
        let stranger = try PeerTestIdentities.make(
            network: NetworkParameters(
                name: "elsewhere",
                nodeIdentityTarget: NetworkParameters.development.nodeIdentityTarget,
                publisherIdentityTarget: NetworkParameters.development.publisherIdentityTarget
            )
        )
        var a = Self.machine(alice)
        _ = a.start()
        var foreign = helloOf(stranger)
        foreign.networkID = stranger.network.id
        let result1 = a.receive(.hello(foreign))
        #expect(result1 == [.close(.wrongNetwork)])

        var b = Self.machine(alice)
        _ = b.start()
        let result2 = b.receive(.hello(helloOf(alice)))
        #expect(result2 == [.close(.connectedToSelf)])

        // An identity whose nonce does not meet the target (checked against a target no nonce meets).
        let bob = try PeerTestIdentities.make()
        var strict = PeerConnectionStateMachine(
            local: alice,
            challenge: Array(repeating: 1, count: 32),
            listenAddress: nil,
            agent: "",
            requiredTarget: CompactTarget(bits: 0x0300_0001)!
        )
        _ = strict.start()
        let result3 = strict.receive(.hello(helloOf(bob)))
        #expect(result3 == [.close(.insufficientIdentityWork)])

        var early = Self.machine(alice)
        _ = early.start()
        let result4 = early.receive(.find(sampleFind()))
        #expect(result4 == [.close(.unexpectedMessage(.find))])
    }

    /// A proof signed over the wrong challenge, or by another key, closes the connection.
    @Test func forgedProofs() throws {
        let alice = try PeerTestIdentities.make()
        let bob = try PeerTestIdentities.make()
        let mallory = try PeerTestIdentities.make()
        var a = Self.machine(alice, challenge: 7)
        _ = a.start()
        _ = a.receive(.hello(helloOf(bob)))
        // Mallory signs Alice's challenge with her own key while claiming Bob's identity.
        let transcript = HandshakeTranscript.message(
            network: alice.network.id,
            challenge: Array(repeating: 7, count: 32),
            signer: bob.identity.publicKey
        )
        let result5 = a.receive(.proof(try mallory.privateKey.sign(transcript)))
        #expect(result5 == [.close(.badProof)])
        let result6 = a.receive(.ping(1))
        #expect(result6 == [])

        var replay = Self.machine(alice, challenge: 8)
        _ = replay.start()
        _ = replay.receive(.hello(helloOf(bob)))
        let stale = HandshakeTranscript.message(
            network: alice.network.id,
            challenge: Array(repeating: 7, count: 32),
            signer: bob.identity.publicKey
        )
        let result7 = replay.receive(.proof(try bob.privateKey.sign(stale)))
        #expect(result7 == [.close(.badProof)])
    }

    func helloOf(_ identity: LocalIdentity) -> Hello {
        Hello(
            protocolVersion: PeerFrame.protocolVersion,
            networkID: identity.network.id,
            identity: identity.identity,
            challenge: Array(repeating: 3, count: 32),
            listenAddress: nil,
            agent: ""
        )
    }

    func sampleFind() -> FindQuery {
        FindQuery(
            id: PeerTestIdentities.queryID,
            origin: PeerTestIdentities.origin,
            hopLimit: 2,
            kind: .part,
            hash: PeerTestIdentities.hash
        )
    }
}
