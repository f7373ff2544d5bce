import PipeBridge
import PipeJSON
import PipeRPC
import Testing

/// protocol/openrpc.json is the contract: the served method table must match
/// it method by method and param by param.
@Suite("rpc.discover agrees with the served methods")
struct DiscoverAgreementTests {
    let document = RPCDiscover.document
    let registry = BridgeMethods.registry()

    var documentedMethods: [JSON] { document["methods"]?.arrayValue ?? [] }

    @Test("the same method names, no more and no fewer")
    func methodNames() {
        let documented = documentedMethods.compactMap { $0["name"]?.stringValue }.sorted()
        #expect(!documented.isEmpty)
        #expect(documented == registry.methodNames)
        #expect(Set(documented).count == documented.count, "a method is documented twice")
    }

    @Test("the same params, in the same order, with the same required flags")
    func params() {
        for method in documentedMethods {
            guard let name = method["name"]?.stringValue else {
                Issue.record("a method without a name")
                continue
            }
            let documented = (method["params"]?.arrayValue ?? []).map {
                ParamSpec(name: $0["name"]?.stringValue ?? "?", isRequired: $0["required"]?.boolValue ?? false)
            }
            #expect(registry.params(of: name) == documented, "params of \(name)")
        }
    }

    @Test("each method's Swift params type requires exactly what its table says")
    func swiftTypesMatchTable() {
        for method in BridgeMethods.all {
            checkRequiredParams(method)
        }
    }

    private func checkRequiredParams<M: BridgeMethod>(_ method: M.Type) {
        let firstRequired = M.params.first(where: \.isRequired)?.name
        do {
            _ = try JSONValueDecoder().decode(M.Params.self, from: .object([:]))
            #expect(firstRequired == nil, "\(M.name) decodes {} but declares \(firstRequired ?? "") required")
        } catch {
            #expect(
                M.params.contains { $0.isRequired && $0.name == error.path },
                "\(M.name): {} fails at \(error.path), which the table does not mark required")
        }
    }

    @Test("every method documents a result schema, errors and at least one example")
    func completeness() {
        for method in documentedMethods {
            let name = method["name"]?.stringValue ?? "?"
            #expect(method["result"]?["schema"] != nil, "\(name) has no result schema")
            #expect(method["errors"]?.arrayValue != nil, "\(name) lists no errors")
            #expect((method["examples"]?.arrayValue ?? []).count >= 1, "\(name) has no example")
        }
    }

    @Test("every application error type is documented with its code")
    func errorTypes() {
        let documented = document["components"]?["errors"]?.objectValue ?? [:]
        for type in BridgeErrorType.allCases {
            #expect(documented[type.rawValue]?["code"] == .integer(Int64(type.code)), "\(type.rawValue)")
        }
    }
}
