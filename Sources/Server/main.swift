import Hummingbird; import GRDB; import Crypto; import Prometheus; import ServiceLifecycle; import ArgumentParser; import UnixSignals
print("hi")
