import Foundation

/// Ids of pushes and hook calls: random UUIDs in lower case, which APNs also accepts
/// as `apns-id`.
public enum PushIdentifier {
    public static func random() -> String {
        UUID().uuidString.lowercased()
    }
}
