import Foundation
import KontextCore
@testable import KontextDaemon
import KontextNet
import Testing

/// The image fetcher's defaults keep it off the internal network: https only, and the address a
/// name resolves to is checked when curl connects. A test of the connect-time check needs no
/// server: a refused address is never connected to.
@Suite struct ImageFetchPolicyTests {
    static func fetcher(_ configure: (inout DaemonConfiguration.Images) -> Void = { _ in }) -> (ImageFetcher, CurlHTTPClient) {
        let client = CurlHTTPClient(configuration: .init(threads: 1, userAgent: "kontextd-tests"))
        var images = DaemonConfiguration.Images(allowedHosts: ["127.0.0.1", "169.254.169.254", "localhost", "[::ffff:127.0.0.1]"])
        images.downloadTimeout = 5
        configure(&images)
        return (ImageFetcher(client: client, configuration: images), client)
    }

    static func failure(_ fetcher: ImageFetcher, _ url: String) async -> ImageFetchError? {
        do {
            _ = try await fetcher.bytes(for: .url(url))
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsRefuseHTTP() async {
        let (fetcher, client) = Self.fetcher()
        defer { client.close() }
        #expect(DaemonConfiguration.Images().allowHTTP == false)
        #expect(DaemonConfiguration.Images().allowPrivateAddresses == false)
        let error = await Self.failure(fetcher, "http://127.0.0.1:9/x.png")
        #expect(error?.reason.contains("http, not https (images.allowHTTP is false)") == true, "\(String(describing: error))")
        #expect(error?.isTransient == false)
    }

    @Test(arguments: [
        ("https://127.0.0.1:9/x.png", "127.0.0.1 is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a linkLocal address"),
        // A name on the allow-list that resolves to loopback: only the connect-time check sees it.
        ("https://localhost:9/x.png", "is a loopback address"),
        ("https://[::ffff:127.0.0.1]:9/x.png", "0:0:0:0:0:ffff:7f00:1 is a loopback address"),
    ])
    func defaultsRefusePrivateAddressesAtConnectTime(url: String, reason: String) async {
        let (fetcher, client) = Self.fetcher()
        defer { client.close() }
        let error = await Self.failure(fetcher, url)
        #expect(error?.reason.contains(reason) == true, "\(url): \(String(describing: error))")
        #expect(error?.reason.contains("images.allowPrivateAddresses is false") == true)
        #expect(error?.isTransient == false, "a refused address is final, not retried")
    }

    @Test func httpStillChecksTheAddress() async {
        let (fetcher, client) = Self.fetcher { $0.allowHTTP = true }
        defer { client.close() }
        let error = await Self.failure(fetcher, "http://169.254.169.254/latest/meta-data/")
        #expect(error?.reason.contains("169.254.169.254 is a linkLocal address") == true, "\(String(describing: error))")
    }

    @Test func configurationKeysAndEnvironmentOverrides() async throws {
        let configuration = try await DaemonConfigurationLoader.load(
            filePath: nil,
            environment: [
                "KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0123", "KONTEXTD_IMAGES_ALLOW_HTTP": "true",
                "KONTEXTD_IMAGES_ALLOW_PRIVATE_ADDRESSES": "true", "KONTEXTD_IMAGES_PROXY": "http://proxy.internal:3128",
                "KONTEXTD_IMAGES_DECODE_MEMORY_BUDGET": "33554432",
            ])
        #expect(configuration.images.allowHTTP)
        #expect(configuration.images.allowPrivateAddresses)
        #expect(configuration.images.proxy == "http://proxy.internal:3128")
        #expect(configuration.images.decodeMemoryBudget == 32 << 20)
        await #expect {
            _ = try await DaemonConfigurationLoader.load(
                filePath: nil, environment: ["KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0123", "KONTEXTD_IMAGES_PROXY": "proxy:3128"])
        } throws: { error in
            "\(error)".contains("images.proxy") && "\(error)".contains("proxy:3128")
        }
    }
}
