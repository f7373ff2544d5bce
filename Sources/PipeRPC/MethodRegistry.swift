import PipeJSON

/// The table of methods a bridge serves, registered with their types.
///
/// Unknown methods (-32601) and params that do not fit (-32602) are answered
/// here, never by handlers: a handler only ever sees decoded params.
public struct MethodRegistry<Session: Sendable>: Sendable {
    /// Runs before every call is looked up; throws to refuse the call (e.g.
    /// an unauthenticated TCP connection).
    public typealias Gate = @Sendable (_ method: String, _ session: Session) throws -> Void

    struct Entry: Sendable {
        let params: [ParamSpec]
        var paramNames: [String] { params.map(\.name) }
        let call: @Sendable (_ params: JSONObject, _ context: RequestContext<Session>) async throws -> JSON
    }

    private var entries: [String: Entry] = [:]
    public var gate: Gate?

    public init() {}

    /// Serves `method` with `handler`. Registering a name twice is a programming error.
    public mutating func register<M: RPCMethod>(
        _ method: M.Type,
        handler: @escaping @Sendable (M.Params, RequestContext<Session>) async throws -> M.Result
    ) {
        precondition(entries[M.name] == nil, "method \(M.name) registered twice")
        entries[M.name] = Entry(params: M.params) { params, context in
            let decoded: M.Params
            do throws(JSONDecodeError) {
                decoded = try JSONValueDecoder().decode(M.Params.self, from: .object(params))
            } catch {
                throw RPCError.invalidParams(error.description, path: error.path)
            }
            let result = try await handler(decoded, context)
            do throws(JSONEncodeError) {
                return try JSONValueEncoder().encode(result)
            } catch {
                throw InternalFailure("result of \(M.name) could not be encoded: \(error)")
            }
        }
    }

    /// Every served method name, sorted.
    public var methodNames: [String] { entries.keys.sorted() }

    /// The params of `method` in positional order, or nil when it is not served.
    public func params(of method: String) -> [ParamSpec]? { entries[method]?.params }

    /// A call checked against the table, ready to run.
    struct PreparedCall: Sendable {
        let entry: Entry
        let params: JSONObject
        /// `progress_token` from the params, taken out before decoding.
        let progressToken: JSON?
    }

    /// Looks the method up, applies the gate and puts params in by-name form.
    func prepare(method: String, params: JSON?, session: Session) throws -> PreparedCall {
        // The gate comes first: an unauthenticated peer learns nothing, not even which methods exist.
        try gate?(method, session)
        guard let entry = entries[method] else { throw RPCError.methodNotFound(method) }
        var named = try Self.byName(params, paramNames: entry.paramNames)
        let progressToken = named["progress_token"]
        named["progress_token"] = nil
        if let unknown = named.keys.first(where: { !entry.paramNames.contains($0) }) {
            let expected =
                entry.paramNames.isEmpty
                ? "it takes none" : "expected one of: " + entry.paramNames.joined(separator: ", ")
            throw RPCError.invalidParams("unknown param \"\(unknown)\" for \(method) (\(expected))", path: unknown)
        }
        return PreparedCall(entry: entry, params: named, progressToken: progressToken)
    }

    private static func byName(_ params: JSON?, paramNames: [String]) throws -> JSONObject {
        switch params {
        case nil: return JSONObject()
        case .object(let object)?: return object
        case .array(let positional)?:
            guard positional.count <= paramNames.count else {
                throw RPCError.invalidParams(
                    "\(positional.count) positional params given, the method takes at most \(paramNames.count)"
                        + (paramNames.isEmpty ? "" : " (" + paramNames.joined(separator: ", ") + ")"))
            }
            return JSONObject(zip(paramNames, positional).map { ($0, $1) })
        case let other?:
            throw RPCError.invalidRequest("\"params\" must be an object or an array, got \(other.kindDescription)")
        }
    }
}

/// A failure that is the bridge's fault; logged in full, answered as -32603.
struct InternalFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension MethodRegistry {
    /// Calls a method in-process, the way a connection would, without a
    /// transport: for command-line front ends over the same handlers.
    /// Notifications (`$/progress`, `$/log`) go to `notify`.
    public func invoke(
        _ method: String, params: JSON?, session: Session, id: JSON = 1,
        notify: @escaping @Sendable (_ method: String, _ params: JSON) -> Void = { _, _ in }
    ) async throws -> JSON {
        let prepared = try prepare(method: method, params: params, session: session)
        let context = RequestContext(
            id: id, method: method, session: session, progressToken: prepared.progressToken ?? id,
            notifier: Notifier(send: notify))
        return try await prepared.entry.call(prepared.params, context)
    }
}
