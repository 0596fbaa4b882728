/// The realtime hooks the IM server can call, as the official hook host lists them. A call
/// to one of these names must carry the hook key whether or not this host defines it, so
/// that a caller without the key learns nothing about which hooks exist.
enum RealtimeHookNames {
    static let all: Set<String> = [
        "_messageReceived", "_receiversOffline", "_messageSent", "_messageUpdate",
        "_conversationStart", "_conversationStarted", "_conversationAdd", "_conversationAdded",
        "_conversationRemove", "_conversationRemoved", "_conversationUpdate",
        "_clientOnline", "_clientOffline", "_rtmClientSign",
    ]
}
