import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A certificate authority made for one test run, and a server certificate it signs
/// for "localhost" and 127.0.0.1 (P-256 keys). A client that trusts `rootPEM` trusts
/// the stand-ins, and nothing else does.
public struct TestCertificateAuthority: Sendable {
    /// The CA's certificate, PEM: what the client trusts.
    public let rootPEM: String
    /// The server's certificate, signed by the CA.
    public let leafCertificate: NIOSSLCertificate
    /// The server certificate's private key, parsed.
    public let leafPrivateKey: NIOSSLPrivateKey
    /// The same certificate and key as PEM, for a server that reads files (PostgreSQL).
    public let leafCertificatePEM: String
    public let leafPrivateKeyPEM: String

    /// Makes a fresh CA and a leaf certificate valid from an hour ago for a day.
    public static func make() throws -> TestCertificateAuthority {
        let now = Date()
        let rootKey = P256.Signing.PrivateKey()
        let rootName = try DistinguishedName { CommonName("PushCompose test CA") }
        let root = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(rootKey.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 86_400,
            issuer: rootName,
            subject: rootName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(rootKey)
        )
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 86_400,
            issuer: rootName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(rootKey)
        )
        return TestCertificateAuthority(
            rootPEM: try root.serializeAsPEM().pemString,
            leafCertificate: try NIOSSLCertificate(bytes: try leaf.serializeAsPEM().derBytes, format: .der),
            leafPrivateKey: try NIOSSLPrivateKey(bytes: Array(leafKey.derRepresentation), format: .der),
            leafCertificatePEM: try leaf.serializeAsPEM().pemString,
            leafPrivateKeyPEM: leafKey.pemRepresentation
        )
    }

    /// A server TLS configuration presenting the leaf certificate and offering only
    /// `applicationProtocols` through ALPN.
    public func serverTLSConfiguration(applicationProtocols: [String]) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(leafCertificate)], privateKey: .privateKey(leafPrivateKey))
        configuration.applicationProtocols = applicationProtocols
        return configuration
    }
}
