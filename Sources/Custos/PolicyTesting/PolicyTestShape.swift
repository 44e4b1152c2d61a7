import CustosPolicy
internal import Yams

/// The keys a policy test case may have, checked on the YAML before it is decoded: a decoder
/// skips keys it does not know, and a misspelt fact (`recipent:`) would silently test
/// something else. The request and facts follow the wire shape every other reader enforces.
enum PolicyTestShape {
    static let testCase = WireShape.object([
        ("name", .scalar), ("at", .scalar), ("facts", WireShape.facts), ("request", WireShape.request),
        ("expect", .object(["outcome", "reasons", "not-reasons", "permitted", "denied", "basis", "obligations"].map { ($0, .any) })),
    ])

    /// The first key the shape does not allow, with its path, e.g. `facts.transfers[0].bogus`.
    static func unknownKey(in node: Node, shape: WireShape, path: String = "") -> (path: String, node: Node)? {
        switch (shape, node) {
        case let (.object(keys), .mapping(mapping)):
            for (key, value) in mapping {
                let name = key.string ?? ""
                let here = path.isEmpty ? name : "\(path).\(name)"
                guard let inner = keys.first(where: { $0.0 == name })?.1 else { return (here, key) }
                if let found = unknownKey(in: value, shape: inner, path: here) { return found }
            }
        case let (.list(element), .sequence(items)):
            for (index, item) in items.enumerated() {
                if let found = unknownKey(in: item, shape: element, path: "\(path)[\(index)]") { return found }
            }
        default:
            break
        }
        return nil
    }
}
