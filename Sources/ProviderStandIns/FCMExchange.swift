import Foundation
import NIOCore
import PushCompose
import Synchronization

/// A request read from an HTTP/1.1 connection.
struct FCMRequest {
    var method: String
    var path: String
    /// Lower-cased names.
    var headers: [String: String]
    var body: [UInt8]
}

/// What the stand-in does with a request that was read in full.
enum FCMReply {
    case respond(FCMResponse)
    case dropConnection
    /// Answer nothing now: the request waits for `releaseHung()` or shutdown.
    case hang
}

/// The FCM stand-in's behaviour: the OAuth2 token endpoint and the send endpoint,
/// with the access tokens it issued, the script and the record.
final class FCMExchange: Sendable {
    private struct HungRequest {
        var connection: Channel
        var response: FCMResponse
    }

    private struct State {
        var script = AnswerScript<FCMStandIn.Answer>()
        var received: [FCMStandIn.Received] = []
        /// Valid access tokens and when each stops being valid.
        var accessTokens: [String: Date] = [:]
        var tokenRequests = 0
        var tokenProblems: [[String]] = []
        var sent = 0
        var hung: [HungRequest] = []
    }

    private let projectId: String
    private let assertionCheck: FCMAssertionCheck
    private let accessTokenLifetime: Duration
    private let state = Mutex(State())
    let arrivals = RequestArrivals()

    init(projectId: String, assertionCheck: FCMAssertionCheck, accessTokenLifetime: Duration) {
        self.projectId = projectId
        self.assertionCheck = assertionCheck
        self.accessTokenLifetime = accessTokenLifetime
    }

    /// Answers `request`, which arrived on `connection`.
    func reply(to request: FCMRequest, on connection: Channel) -> FCMReply {
        if request.path == "/token" {
            // The token URL names the port the connection came in on.
            let audience = "http://127.0.0.1:\(connection.localAddress?.port ?? 0)/token"
            return .respond(exchangeToken(request, audience: audience))
        }
        return send(request, on: connection)
    }

    private func exchangeToken(_ request: FCMRequest, audience: String) -> FCMResponse {
        let form = Self.formFields(request.body)
        var problems: [String] = []
        if request.method != "POST" { problems.append("method \(request.method), not POST") }
        if request.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") != true {
            problems.append("content-type \(request.headers["content-type"] ?? "absent"), not application/x-www-form-urlencoded")
        }
        let grantType = form["grant_type"]
        if grantType != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
            problems.append("grant_type \(grantType ?? "absent"), not urn:ietf:params:oauth:grant-type:jwt-bearer")
        }
        if let assertion = form["assertion"] {
            problems += assertionCheck.problems(with: assertion, audience: audience, now: Date())
        } else {
            problems.append("no assertion")
        }
        let accessToken = "ya29.stand-in." + (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        let (seconds, attoseconds) = accessTokenLifetime.components
        let lifetime = TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
        state.withLock { state in
            state.tokenRequests += 1
            if problems.isEmpty {
                state.accessTokens[accessToken] = Date() + lifetime
            } else {
                state.tokenProblems.append(problems)
            }
        }
        guard problems.isEmpty else {
            if grantType != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
                return .oauthError("unsupported_grant_type", description: problems.joined(separator: "; "))
            }
            return .oauthError("invalid_grant", description: problems.joined(separator: "; "))
        }
        return FCMResponse(
            status: 200,
            body: .object([
                ("access_token", .string(accessToken)), ("expires_in", .number(Double(seconds))), ("token_type", .string("Bearer")),
            ]))
    }

    private func send(_ request: FCMRequest, on connection: Channel) -> FCMReply {
        let now = Date()
        let json = try? JSONParser.parse(request.body)
        let authorization = request.headers["authorization"]
        let accessToken = authorization.flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst("bearer ".count)) : nil }
        let deviceToken = json?["message"]?["token"]?.stringValue
        let reply = state.withLock { state -> FCMReply in
            var problems: [String] = []
            var rejection: FCMResponse?
            if request.method != "POST" || request.path != "/v1/projects/\(projectId)/messages:send" {
                problems.append("\(request.method) \(request.path) is not POST /v1/projects/\(projectId)/messages:send")
                rejection = .googleError(status: 404, grpcStatus: "NOT_FOUND", message: "Requested entity was not found.")
            } else if let accessToken, let expiry = state.accessTokens[accessToken], expiry > now {
                problems = FCMMessageCheck.problems(with: json)
                if !problems.isEmpty {
                    rejection = .googleError(status: 400, grpcStatus: "INVALID_ARGUMENT", message: problems.joined(separator: "; "))
                }
            } else {
                problems.append(accessToken == nil ? "no bearer access token" : "access token not issued here, revoked or expired")
                rejection = .googleError(
                    status: 401, grpcStatus: "UNAUTHENTICATED",
                    message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
            }
            state.received.append(
                FCMStandIn.Received(
                    path: request.path, headers: request.headers, body: request.body, json: json, accessToken: accessToken,
                    deviceToken: deviceToken, problems: problems))
            if let rejection { return .respond(rejection) }
            switch state.script.next(token: deviceToken ?? "") ?? .ok {
            case .ok:
                state.sent += 1
                return .respond(Self.sent(project: projectId, number: state.sent))
            case .error(let status, let grpcStatus, let fcmErrorCode, let retryAfter):
                return .respond(
                    .googleError(
                        status: status, grpcStatus: grpcStatus, message: fcmErrorCode ?? grpcStatus, fcmErrorCode: fcmErrorCode,
                        retryAfter: retryAfter))
            case .dropConnection:
                return .dropConnection
            case .hang:
                state.sent += 1
                state.hung.append(HungRequest(connection: connection, response: Self.sent(project: projectId, number: state.sent)))
                return .hang
            }
        }
        arrivals.record()
        return reply
    }

    private static func sent(project: String, number: Int) -> FCMResponse {
        FCMResponse(status: 200, body: .object([("name", .string("projects/\(project)/messages/\(number)"))]))
    }

    /// The fields of an `application/x-www-form-urlencoded` body.
    private static func formFields(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    func script(token: String, _ answers: [FCMStandIn.Answer]) {
        state.withLock { $0.script.append(answers, token: token) }
    }

    func scriptAll(_ answers: [FCMStandIn.Answer]) {
        state.withLock { $0.script.append(answers) }
    }

    func revokeAccessTokens() {
        state.withLock { $0.accessTokens.removeAll() }
    }

    var received: [FCMStandIn.Received] { state.withLock { $0.received } }
    var tokenRequests: Int { state.withLock { $0.tokenRequests } }
    var tokenProblems: [[String]] { state.withLock { $0.tokenProblems } }

    /// Answers every hung request with 200.
    func releaseHung() {
        let hung = state.withLock { state in
            defer { state.hung = [] }
            return state.hung
        }
        for request in hung {
            request.connection.eventLoop.execute { request.response.write(to: request.connection, keepAlive: true) }
        }
    }
}
