import Foundation
import PipeJSON
import Testing

@testable import PipeServer

@Suite("Storage and the server key")
struct StorageTests {
    @Test("the key file is 0600; the database holds neither credentials nor tokens in plaintext; a restart keeps all")
    func sealedAtRest() async throws {
        let secret = "SECRET-\(UUID().uuidString)"
        let first = try await TestServer.start()
        defer { first.remove() }
        let alice = try await first.register("alice", password: "pw")
        let created = try await first.call(
            "POST", "pipes/", token: alice,
            body: [
                "name": "sealed", "protocol": "s3", "location": "bucket",
                "credentials": ["aws_access_key_id": "AKIASEALED", "aws_secret_access_key": .string(secret)],
            ])
        try #require(created.status == 201)
        await first.stop()

        let keyInfo = try FileManager.default.attributesOfItem(atPath: first.configuration.keyPath)
        #expect((keyInfo[.posixPermissions] as? Int) == 0o600)
        var stored = Data()
        for suffix in ["", "-wal", "-shm"] {
            stored.append(
                (try? Data(contentsOf: URL(fileURLWithPath: first.configuration.databasePath + suffix))) ?? Data())
        }
        #expect(stored.count > 0)
        #expect(stored.range(of: Data(secret.utf8)) == nil, "the secret is stored in plaintext")
        #expect(stored.range(of: Data("AKIASEALED".utf8)) == nil, "the key id is stored in plaintext")
        #expect(stored.range(of: Data(alice.utf8)) == nil, "the token is stored in plaintext")

        let second = try await TestServer.start(folder: first.folder)
        let login = try await second.call("POST", "accounts/token/", body: ["username": "alice", "password": "pw"])
        #expect(login.json?["token"]?.stringValue == alice)
        let creds = try await second.call("GET", "pipes/sealed/credentials/?role=read", token: alice)
        #expect(creds.json?["aws_secret_access_key"]?.stringValue == secret)
        await second.stop()
    }

    @Test(
        "two servers on one database see each other's pipe changes at once (the parsed-pipe cache follows the database)"
    )
    func sharedDatabase() async throws {
        let first = try await TestServer.start()
        defer { first.remove() }
        let second = try await TestServer.start(folder: first.folder)
        let alice = try await first.register("alice")
        func pipe(_ server: TestServer) async throws -> Reply {
            try await server.call("GET", "pipes/shared/", token: alice)
        }
        #expect(try await second.call("GET", "pipes/", token: alice).json?.arrayValue?.count == 0)
        let created = try await first.call(
            "POST", "pipes/", token: alice, body: ["name": "shared", "protocol": "s3", "location": "one"])
        try #require(created.status == 201)
        #expect(try await pipe(second).json?["location"]?.stringValue == "one")
        let patched = try await second.call("PATCH", "pipes/shared/", token: alice, body: ["location": "two"])
        try #require(patched.status == 200, "\(patched)")
        #expect(try await pipe(first).json?["location"]?.stringValue == "two")
        // Accounts and grants too: bob registers on one server, is granted on the other.
        let bob = try await second.register("bob")
        #expect(try await first.call("GET", "pipes/shared/", token: bob).status == 403)
        let granted = try await first.call(
            "POST", "pipes/shared/permissions/", token: alice, body: ["username": "bob", "role": "read"])
        try #require(granted.status == 201, "\(granted)")
        #expect(try await second.call("GET", "pipes/shared/", token: bob).status == 200)
        #expect(try await first.call("DELETE", "accounts/bob/", token: bob).status == 204)
        #expect(try await second.call("GET", "pipes/", token: bob).status == 401, "a removed account's token is dead")
        #expect(try await first.call("DELETE", "pipes/shared/", token: alice).status == 204)
        #expect(try await pipe(second).status == 404)
        await second.stop()
        await first.stop()
    }

    @Test("a key file others can read is refused, naming the file and its mode")
    func looseKeyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loose-\(UUID().uuidString).key").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ServerKey.loadOrCreate(path: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect {
            _ = try ServerKey.loadOrCreate(path: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("644")
        }
    }

    @Test("AES-GCM: a sealed value opens under its key and context only; scrypt verifies the right password only")
    func primitives() throws {
        let key = try ServerCrypto.randomBytes(32)
        let sealed = try ServerCrypto.seal(Array("hello".utf8), key: key, context: "a")
        #expect(try ServerCrypto.open(sealed, key: key, context: "a") == Array("hello".utf8))
        #expect(throws: ServerError.self) { try ServerCrypto.open(sealed, key: key, context: "b") }
        #expect(throws: ServerError.self) {
            try ServerCrypto.open(sealed, key: try ServerCrypto.randomBytes(32), context: "a")
        }
        var tampered = sealed
        tampered[13] ^= 1
        #expect(throws: ServerError.self) { try ServerCrypto.open(tampered, key: key, context: "a") }

        let hash = try ServerCrypto.hashPassword("pw", parameters: TestServer.testScrypt)
        #expect(hash.hasPrefix("scrypt$1024$8$1$"))
        #expect(try ServerCrypto.verifyPassword("pw", stored: hash))
        #expect(try !ServerCrypto.verifyPassword("pw2", stored: hash))
    }
}
