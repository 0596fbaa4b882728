import Crypto
import Delivery
import Foundation
@testable import Server
import XCTest

/// APNs and FCM settings: a provider is off until its key is set; a missing or unreadable
/// credential stops the start with an error naming the setting.
final class DeviceProviderConfigurationTests: XCTestCase {
    private func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    private func refusal(_ environment: [String: String]) -> String {
        do {
            let configuration = try ServerConfiguration.load(file: nil, environment: environment)
            _ = try configuration.delivery.apns()
            _ = try configuration.delivery.fcm()
            return ""
        } catch {
            return String(describing: error)
        }
    }

    func testProvidersAreOffUntilTheirKeyIsSet() throws {
        let configuration = try ServerConfiguration.load(file: nil, environment: [:])
        XCTAssertNil(try configuration.delivery.apns())
        XCTAssertNil(try configuration.delivery.fcm())
    }

    func testAPNsSettingsFromTheEnvironment() throws {
        let key = try file(P256.Signing.PrivateKey().pemRepresentation)
        let configuration = try ServerConfiguration.load(file: nil, environment: [
            "PUSHCOMPOSE_APNS_KEY_FILE": key, "PUSHCOMPOSE_APNS_KEY_ID": "ABC123DEFG", "PUSHCOMPOSE_APNS_TEAM_ID": "DEF123GHIJ",
            "PUSHCOMPOSE_APNS_TOPIC": "com.example.chat", "PUSHCOMPOSE_APNS_ENVIRONMENTS": "sandbox",
            "PUSHCOMPOSE_APNS_SANDBOX_URL": "https://127.0.0.1:8443", "PUSHCOMPOSE_APNS_TIMEOUT_SECONDS": "5",
        ])
        let apns = try XCTUnwrap(try configuration.delivery.apns())
        XCTAssertEqual(apns.credentials.keyId, "ABC123DEFG")
        XCTAssertEqual(apns.credentials.teamId, "DEF123GHIJ")
        XCTAssertEqual(apns.topic, "com.example.chat")
        XCTAssertEqual(apns.environments, [.sandbox])
        XCTAssertEqual(apns.sandboxURL, "https://127.0.0.1:8443")
        XCTAssertEqual(apns.productionURL, "https://api.push.apple.com")
        XCTAssertEqual(apns.timeout, .seconds(5))
    }

    func testBadAPNsCredentialsNameTheSetting() throws {
        let key = try file(P256.Signing.PrivateKey().pemRepresentation)
        let ids = ["PUSHCOMPOSE_APNS_KEY_ID": "K", "PUSHCOMPOSE_APNS_TEAM_ID": "T"]
        XCTAssertTrue(refusal(ids.merging(["PUSHCOMPOSE_APNS_KEY_FILE": "/nonexistent/AuthKey.p8"]) { $1 }).contains("apnsKeyFile (PUSHCOMPOSE_APNS_KEY_FILE): cannot read /nonexistent/AuthKey.p8"))
        XCTAssertTrue(refusal(ids.merging(["PUSHCOMPOSE_APNS_KEY_FILE": try file("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")]) { $1 }).contains("apnsKeyFile is not an APNs signing key"))
        XCTAssertTrue(refusal(["PUSHCOMPOSE_APNS_KEY_FILE": key, "PUSHCOMPOSE_APNS_KEY_ID": "K"]).contains("apnsTeamId (PUSHCOMPOSE_APNS_TEAM_ID) must be set"))
        XCTAssertTrue(refusal(["PUSHCOMPOSE_APNS_KEY_ID": "K"]).contains("apnsKeyId set but not apnsKeyFile"))
        XCTAssertTrue(refusal(ids.merging(["PUSHCOMPOSE_APNS_KEY_FILE": key, "PUSHCOMPOSE_APNS_ENVIRONMENTS": "staging"]) { $1 }).contains("apnsEnvironments (PUSHCOMPOSE_APNS_ENVIRONMENTS) names production and/or sandbox, not 'staging'"))
        XCTAssertTrue(refusal(ids.merging(["PUSHCOMPOSE_APNS_KEY_FILE": key, "PUSHCOMPOSE_APNS_PRODUCTION_URL": "http://127.0.0.1:1"]) { $1 }).contains("apnsProductionURL must be an https URL"))
        XCTAssertTrue(refusal(ids.merging(["PUSHCOMPOSE_APNS_KEY_FILE": key, "PUSHCOMPOSE_APNS_CA_CERTIFICATE_FILE": try file("no certificate here")]) { $1 }).contains("apnsCACertificateFile holds no PEM certificate"))
    }

    func testBadFCMServiceAccountsNameTheSetting() throws {
        XCTAssertTrue(refusal(["PUSHCOMPOSE_FCM_SERVICE_ACCOUNT_FILE": "/nonexistent/sa.json"]).contains("fcmServiceAccountFile (PUSHCOMPOSE_FCM_SERVICE_ACCOUNT_FILE): cannot read /nonexistent/sa.json"))
        XCTAssertTrue(refusal(["PUSHCOMPOSE_FCM_SERVICE_ACCOUNT_FILE": try file(#"{"type":"authorized_user"}"#)]).contains("fcmServiceAccountFile is a 'authorized_user' file, not a service account"))
        let noKey = #"{"type":"service_account","project_id":"p","client_email":"a@p.iam.gserviceaccount.com","token_uri":"https://oauth2.googleapis.com/token","private_key":"x"}"#
        XCTAssertTrue(refusal(["PUSHCOMPOSE_FCM_SERVICE_ACCOUNT_FILE": try file(noKey)]).contains("fcmServiceAccountFile has a 'private_key' that is not a PEM RSA private key"))
    }
}
