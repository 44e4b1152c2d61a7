import Foundation

/// The OpenAPI 3.1 document (`Resources/openapi.yaml`, linked from `openapi/custos.yaml`),
/// served at `/openapi.yaml`. It is kept by hand; the schemathesis run of `make test` checks
/// the live server against it.
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let data = try? Data(contentsOf: url) else {
            return Data("openapi: 3.1.0\ninfo: {title: Custos, version: unknown}\npaths: {}\n".utf8)
        }
        return data
    }()
}
