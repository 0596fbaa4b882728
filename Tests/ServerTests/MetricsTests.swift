import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// Prometheus /metrics: hook latency, answers by kind, coalesced receivers.
final class MetricsTests: XCTestCase {
    func testHookMetricsAreExposed() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            _ = try await server.receiversOffline()
            _ = try await server.receiversOffline()
            // One coalesced receiver: Spike is mentioned, Jerry and Tyke are not.
            _ = try await server.receiversOffline(
                HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: "hi", mentioned: ["Spike"]))

            let response = try await server.client.execute(uri: "/metrics", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.headers[.contentType]?.hasPrefix("text/plain") ?? false)
            let text = response.text
            XCTAssertTrue(text.contains("# TYPE pushcompose_hook_duration_seconds histogram"), text)
            XCTAssertTrue(text.contains(#"pushcompose_hook_duration_seconds_count{function="_receiversOffline"} 3"#), text)
            XCTAssertTrue(text.contains(#"pushcompose_hook_duration_seconds_bucket{function="_receiversOffline",le="+Inf"} 3"#), text)
            XCTAssertTrue(text.contains(#"pushcompose_hook_answers_total{kind="push"} 3"#), text)
            XCTAssertTrue(text.contains("pushcompose_coalesced_receivers_total 1"), text)
            // The queue's gauges, from its stats before the scrape.
            XCTAssertTrue(text.contains(#"pushcompose_queue_jobs{provider="webhook",state="ready"} 0"#), text)
            XCTAssertTrue(text.contains("pushcompose_queue_intake_records 0"), text)
        }
    }

    func testErrorsAreCounted() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            _ = try await server.call("_receiversOffline", json: HookBody.seed, headers: [:])
            _ = try await server.call("_nope", json: [:])
            let text = try await server.client.execute(uri: "/metrics", method: .get).text
            XCTAssertTrue(text.contains(#"pushcompose_request_errors_total{status="401"} 1"#), text)
            XCTAssertTrue(text.contains(#"pushcompose_request_errors_total{status="404"} 1"#), text)
        }
    }

    func testEachServerHasItsOwnCounters() async throws {
        try await withServer(try makeConfiguration()) { server in
            _ = try await server.receiversOffline()
        }
        try await withServer(try makeConfiguration()) { server in
            let text = try await server.client.execute(uri: "/metrics", method: .get).text
            XCTAssertFalse(text.contains(#"pushcompose_hook_answers_total{kind="push"} 1"#), text)
        }
    }
}
