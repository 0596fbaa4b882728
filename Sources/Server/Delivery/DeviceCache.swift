import Delivery

/// The devices of the clients hook calls asked about lately, so that a call to a group
/// whose members have devices does not read them from the database each time (fifty
/// receivers' rows took 0.4–1 ms of the call).
///
/// Bounded by `limit` clients, kept in two halves: entries go into `recent`, and when it
/// holds half the limit it becomes `older` and the oldest half is dropped; an entry found
/// in `older` moves back into `recent`. So the clients asked about again stay and memory
/// stays bounded without a list to maintain per lookup.
///
/// A read from the store may race a change: `generation` grows with every change, and a
/// read's rows are kept only when no change happened since the read began, so a list read
/// before a change can never be kept after it.
struct DeviceCache {
    let limit: Int
    private var recent: [String: [Device]] = [:]
    private var older: [String: [Device]] = [:]
    /// Grows with every change; a read notes it before asking the store.
    private(set) var generation: UInt64 = 0

    init(limit: Int) {
        self.limit = max(limit, 2)
    }

    /// The client's devices, if cached (an empty list is a cached answer too).
    mutating func devices(of clientId: String) -> [Device]? {
        if let devices = recent[clientId] { return devices }
        guard let devices = older.removeValue(forKey: clientId) else { return nil }
        insert(devices, for: clientId)
        return devices
    }

    /// Keeps what the store answered for `asked` (clients it gave no row are kept with
    /// none), unless something changed since `generation` was read.
    mutating func keep(_ read: [String: [Device]], asked: [String], readSince generation: UInt64) {
        guard generation == self.generation else { return }
        for clientId in asked { insert(read[clientId] ?? [], for: clientId) }
    }

    /// Forgets a client whose devices changed.
    mutating func forget(_ clientId: String) {
        recent[clientId] = nil
        older[clientId] = nil
        generation &+= 1
    }

    /// Forgets every client: after changes may have been missed.
    mutating func forgetAll() {
        recent = [:]
        older = [:]
        generation &+= 1
    }

    var count: Int { recent.count + older.count }

    private mutating func insert(_ devices: [Device], for clientId: String) {
        recent[clientId] = devices
        if recent.count >= limit / 2 {
            older = recent
            recent = [:]
        }
    }
}
