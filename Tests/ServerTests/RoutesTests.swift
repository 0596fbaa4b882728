import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// docs/hook-protocol.md, "Routes" and "Body and answer": every prefix answers, in the envelope.
final class RoutesTests: XCTestCase {
    func testEveryPrefixAnswersReceiversOfflineInTheResultEnvelope() async throws {
        let configuration = try makeConfiguration(secured: true)
        try await withServer(configuration) { server in
            for prefix in ["/1.1/functions", "/1/functions", "/__engine/1.1/functions", "/__engine/1/functions"] {
                let response = try await server.call("_receiversOffline", json: HookBody.seed, prefix: prefix)
                XCTAssertEqual(response.status, .ok, prefix)
                XCTAssertEqual(response.headers[.contentType], "application/json", prefix)
                let body = try response.json
                XCTAssertEqual(body.keys, ["result"], prefix)
                let payload = try pushMessage(of: try XCTUnwrap(body["result"]))
                XCTAssertEqual(payload["alert"], .string("Tom: Holy crap!"), prefix)
            }
        }
    }

    func testEveryPrefixAnswersTheOtherHooks() async throws {
        let configuration = try makeConfiguration(secured: true)
        try await withServer(configuration) { server in
            for prefix in FunctionRoutes.prefixes {
                let update = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true], prefix: prefix)
                XCTAssertEqual(update.status, .ok, prefix)
                XCTAssertEqual(update.text, #"{"result":{}}"#, prefix)
                let online = try await server.call("_clientOnline", json: ["peerId": "Jerry", "sourceIP": "10.0.0.1", "tag": "", "reconnect": false], prefix: prefix)
                XCTAssertEqual(online.text, #"{"result":{}}"#, prefix)
            }
        }
    }

    func testParametersStartingWithAnUnderscoreAreDropped() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            // `_offlinePeers` is not `offlinePeers`: without the real one the body is refused.
            var body = HookBody.seed
            body.removeValue(forKey: "offlinePeers")
            body["_offlinePeers"] = ["Jerry"]
            let refused = try await server.call("_receiversOffline", json: body)
            XCTAssertEqual(refused.status, .badRequest)
            XCTAssertEqual(refused.text, #"{"code":400,"error":"missing parameter 'offlinePeers'"}"#)

            // And a `_` key of the wrong type is not even looked at.
            body = HookBody.seed
            body["_fromPeer"] = 42
            body["__type"] = "Hook"
            let result = try await server.receiversOffline(body)
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: Holy crap!"))
        }
    }

    func testHealthz() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let response = try await server.client.execute(uri: "/healthz", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "application/json")
            XCTAssertEqual(try response.json["status"], .string("ok"))
        }
    }
}
