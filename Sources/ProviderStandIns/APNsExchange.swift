import Foundation
import NIOCore
import Synchronization

/// A request read from one HTTP/2 stream.
struct APNsRequest {
    var method: String
    var path: String
    /// Lower-cased names, pseudo-headers excluded.
    var headers: [String: String]
    var body: [UInt8]
    var connection: Int
}

/// What the stand-in does with a request that was read in full.
enum APNsReply {
    case respond(APNsResponse)
    case dropConnection
    case goAway
    /// Answer nothing now: the stream waits for `releaseHung()` or shutdown.
    case hang
}

/// The APNs stand-in's behaviour, shared by every connection: checks each request,
/// picks its answer (checks first, then the script, then success) and keeps the record.
final class APNsExchange: Sendable {
    private struct HungStream {
        var stream: Channel
        var response: APNsResponse
    }

    private struct State {
        var script = AnswerScript<APNsStandIn.Answer>()
        var received: [APNsStandIn.Received] = []
        var answeredOK = 0
        var connectionsAccepted = 0
        var expiredBefore: Date?
        var hung: [HungStream] = []
    }

    let check: APNsRequestCheck
    private let recording: Bool
    /// How long an answer waits, picked at random in this range; nil: none.
    private let answerDelay: ClosedRange<Duration>?
    private let state = Mutex(State())
    let arrivals = RequestArrivals()

    init(check: APNsRequestCheck, recording: Bool, answerDelay: ClosedRange<Duration>? = nil) {
        self.check = check
        self.recording = recording
        self.answerDelay = answerDelay
    }

    /// How long the next answer waits before it is written; nil: not at all.
    func nextAnswerDelay() -> TimeAmount? {
        guard let answerDelay else { return nil }
        let nanoseconds = Double.random(in: (answerDelay.lowerBound / .nanoseconds(1))...(answerDelay.upperBound / .nanoseconds(1)))
        return .nanoseconds(Int64(nanoseconds))
    }

    /// Numbers a newly accepted connection: 1, 2, …
    func acceptConnection() -> Int {
        state.withLock { state in
            state.connectionsAccepted += 1
            return state.connectionsAccepted
        }
    }

    /// Checks `request`, records it and says how to answer it on `stream`.
    func reply(to request: APNsRequest, on stream: Channel) -> APNsReply {
        let now = Date()
        let expiredBefore = state.withLock { $0.expiredBefore }
        let findings = check.check(
            method: request.method, path: request.path, headers: request.headers, body: request.body,
            now: now, expiredBefore: expiredBefore)
        let sentId = request.headers["apns-id"]
        let apnsId = sentId.flatMap { APNsRequestCheck.isCanonicalUUID($0) ? $0 : nil } ?? UUID().uuidString
        let reply = state.withLock { state -> APNsReply in
            if recording {
                state.received.append(
                    APNsStandIn.Received(
                        path: request.path, deviceToken: findings.deviceToken, headers: request.headers, body: request.body,
                        json: findings.json, jwtIssuedAt: findings.jwtIssuedAt, jwt: findings.jwt, problems: findings.problems,
                        connection: request.connection))
            }
            if let rejection = findings.rejection {
                return .respond(.error(status: rejection.status, reason: rejection.reason, retryAfter: nil, apnsId: apnsId, now: now))
            }
            switch state.script.next(token: findings.deviceToken) ?? .ok {
            case .ok:
                state.answeredOK += 1
                return .respond(.ok(apnsId: apnsId))
            case .error(let status, let reason, let retryAfter):
                return .respond(.error(status: status, reason: reason, retryAfter: retryAfter, apnsId: apnsId, now: now))
            case .dropConnection:
                return .dropConnection
            case .goAway:
                return .goAway
            case .hang:
                state.hung.append(HungStream(stream: stream, response: .ok(apnsId: apnsId)))
                return .hang
            }
        }
        arrivals.record()
        return reply
    }

    func script(token: String, _ answers: [APNsStandIn.Answer]) {
        state.withLock { $0.script.append(answers, token: token) }
    }

    func scriptAll(_ answers: [APNsStandIn.Answer]) {
        state.withLock { $0.script.append(answers) }
    }

    func expireTokens(issuedBefore cutoff: Date) {
        state.withLock { $0.expiredBefore = cutoff }
    }

    var received: [APNsStandIn.Received] { state.withLock { $0.received } }
    var answeredOK: Int { state.withLock { $0.answeredOK } }
    var connectionsAccepted: Int { state.withLock { $0.connectionsAccepted } }

    /// Answers every hung stream with 200.
    func releaseHung() {
        let hung = state.withLock { state in
            defer { state.hung = [] }
            state.answeredOK += state.hung.count
            return state.hung
        }
        for stream in hung {
            stream.stream.eventLoop.execute { stream.response.write(to: stream.stream) }
        }
    }
}
