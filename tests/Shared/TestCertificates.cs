using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Geode.Tests;

/// <summary>The PEM files a TLS test server needs: a CA, and a server certificate it signed for localhost and 127.0.0.1.</summary>
/// <param name="Ca">The CA certificate, which clients are told to trust.</param>
/// <param name="Certificate">The server's certificate.</param>
/// <param name="Key">The server's private key (PKCS#8).</param>
internal sealed record TestCertificates(string Ca, string Certificate, string Key)
{
    /// <summary>Generates a fresh CA and server certificate, valid for a day, into <paramref name="folder"/>.</summary>
    public static TestCertificates Write(string folder)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Geode test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using RSA serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using X509Certificate2 server = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        var files = new TestCertificates(Path.Combine(folder, "ca.pem"), Path.Combine(folder, "server.pem"), Path.Combine(folder, "server.key"));
        File.WriteAllText(files.Ca, ca.ExportCertificatePem());
        File.WriteAllText(files.Certificate, server.ExportCertificatePem());
        File.WriteAllText(files.Key, serverKey.ExportPkcs8PrivateKeyPem());
        return files;
    }
}
