import Foundation
import Storage

/// A staff account.
public struct StaffUser: Sendable, Equatable, RowDecodable {
    /// The schema allows only these (`CHECK (role IN …)`).
    public enum Role: String, SQLTextEnum, Sendable, CaseIterable, Codable { case admin, organizer, editor }

    public let id: Int64
    public let email: String
    public let name: String
    public let role: Role
    public let disabled: Bool
    /// Signs in with a code from an authenticator app after the password.
    public let secondFactor: Bool

    static let columns = SelectList(of: StaffUser.self, table: "users", expressions: ["second_factor": "users.totp_key IS NOT NULL"])

    /// What each role may do: admins everything, the others the areas that name them.
    public func may(_ area: Area) -> Bool { role == .admin || area.roles.contains(role) }

    /// A part of the staff screens, and the roles besides admin that may use it. A feature
    /// declares its own (`static let stories = Area("stories", roles: [.organizer])`).
    public struct Area: Sendable, Hashable {
        public let key: String
        public let roles: Set<Role>

        public init(_ key: String, roles: Set<Role>) {
            self.key = key
            self.roles = roles
        }

        public static let dashboard = Area("dashboard", roles: [.organizer, .editor])
        public static let campaigns = Area("campaigns", roles: [.organizer, .editor])
        public static let resources = Area("resources", roles: [.organizer, .editor])
        public static let petitions = Area("petitions", roles: [.organizer])
        public static let letters = Area("letters", roles: [.organizer])
        public static let exports = Area("exports", roles: [.organizer])
        public static let mailings = Area("mailings", roles: [.organizer])
        public static let news = Area("news", roles: [.editor])
        public static let events = Area("events", roles: [.editor])
        public static let pages = Area("pages", roles: [.editor])
        public static let accounts = Area("accounts", roles: [])
        public static let audit = Area("audit", roles: [])
        public static let outbox = Area("outbox", roles: [])
        public static let settings = Area("settings", roles: [])
    }
}

/// Accounts, sessions and the audit log.
public enum StaffStore {
    public static func count(_ db: Connection) throws -> Int {
        try db.scalar("SELECT count(*) FROM users", as: Int.self) ?? 0
    }

    public static func find(_ db: Connection, email: String) throws -> (StaffUser, String)? {
        try db.first("SELECT \(StaffUser.columns), password_hash FROM users WHERE email = ?", email.lowercased()) {
            (try StaffUser($0), try $0.get("password_hash", as: String.self))
        }
    }

    /// Enabled organizers and admins, who hear when a petition reaches its goal.
    public static func organizers(_ db: Connection) throws -> [(email: String, name: String)] {
        try db.query("SELECT email, name FROM users WHERE disabled = 0 AND role IN ('admin', 'organizer') ORDER BY id") {
            (try $0.get("email", as: String.self), try $0.get("name", as: String.self))
        }
    }

    public static func all(_ db: Connection) throws -> [StaffUser] {
        try db.query("SELECT \(StaffUser.columns) FROM users ORDER BY disabled, role, email", row: StaffUser.init)
    }

    /// Disables (ending every session and every password-reset link) or enables an account;
    /// false when there is no such account.
    public static func setDisabled(_ db: Connection, userID: Int64, _ disabled: Bool) throws -> Bool {
        guard try db.run("UPDATE users SET disabled = ? WHERE id = ?", disabled, userID) == 1 else { return false }
        if disabled {
            try db.run("DELETE FROM sessions WHERE user_id = ?", userID)
            try db.run("DELETE FROM sign_in_challenges WHERE user_id = ?", userID)
            try MailTokenStore.retire(db, purpose: .reset, subjectID: userID)
        }
        return true
    }

    /// One of an account's sessions, for the list on `/admin/sessions`.
    public struct SessionRow: Sendable {
        public let id: Int64
        public let createdAt: String
        public let expiresAt: String
        public let isCurrent: Bool
    }

    /// The account's sessions still open, newest first; `current` is this browser's token.
    public static func sessions(_ db: Connection, userID: Int64, current: String) throws -> [SessionRow] {
        try db.query(
            "SELECT id, created_at, expires_at, token_hash = ? AS current FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY id DESC",
            SecretToken.digest(current), userID, Timestamp.now()
        ) {
            SessionRow(
                id: try $0.get("id", as: Int64.self), createdAt: try $0.get("created_at", as: String.self),
                expiresAt: try $0.get("expires_at", as: String.self), isCurrent: try $0.get("current", as: Bool.self))
        }
    }

    /// Signs the account out everywhere but this browser; answers how many sessions ended.
    public static func endOtherSessions(_ db: Connection, userID: Int64, keeping current: String) throws -> Int {
        try db.run("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", userID, SecretToken.digest(current))
    }

    /// Whether an account has this id.
    public static func exists(_ db: Connection, userID: Int64) throws -> Bool {
        try db.scalar("SELECT count(*) FROM users WHERE id = ?", userID, as: Int.self) == 1
    }

    /// Whether the account exists and is not disabled.
    public static func isEnabled(_ db: Connection, userID: Int64) throws -> Bool {
        try db.scalar("SELECT disabled = 0 FROM users WHERE id = ?", userID, as: Bool.self) == true
    }

    /// Signs an account out everywhere (a new password).
    public static func endAllSessions(_ db: Connection, userID: Int64) throws {
        try db.run("DELETE FROM sessions WHERE user_id = ?", userID)
        try db.run("DELETE FROM sign_in_challenges WHERE user_id = ?", userID)
    }

    public static func setPasswordHash(_ db: Connection, userID: Int64, hash: String) throws {
        try db.run("UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
    }

    @discardableResult
    public static func create(_ db: Connection, email: String, name: String, role: StaffUser.Role, passwordHash: String) throws -> Int64 {
        try db.run(
            "INSERT INTO users (email, name, role, password_hash) VALUES (?, ?, ?, ?)",
            email.lowercased(), name, role.rawValue, passwordHash)
        return try db.lastInsertRowID
    }

    /// Session lifetime.
    public static let sessionSeconds: TimeInterval = 12 * 3600

    /// A new session for `userID`; returns the cookie token (only its hash is stored).
    /// A session the browser already had is deleted: tokens are renewed at login.
    public static func startSession(_ db: Connection, userID: Int64, replacing old: String?) throws -> String {
        if let old { try db.run("DELETE FROM sessions WHERE token_hash = ?", SecretToken.digest(old)) }
        try db.run("DELETE FROM sessions WHERE expires_at <= ?", Timestamp.now())
        let token = SecretToken.make()
        try db.run(
            "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
            SecretToken.digest(token), userID, Timestamp.format(Date().addingTimeInterval(sessionSeconds)))
        try db.run("UPDATE users SET last_login_at = ? WHERE id = ?", Timestamp.now(), userID)
        return token
    }

    /// The signed-in user for a session token, if the session is live and the account enabled.
    public static func user(_ db: Connection, sessionToken: String) throws -> StaffUser? {
        try db.first(
            """
            SELECT \(StaffUser.columns) FROM sessions JOIN users ON users.id = sessions.user_id
            WHERE sessions.token_hash = ? AND sessions.expires_at > ? AND users.disabled = 0
            """, SecretToken.digest(sessionToken), Timestamp.now(), row: StaffUser.init)
    }

    public static func endSession(_ db: Connection, token: String) throws {
        try db.run("DELETE FROM sessions WHERE token_hash = ?", SecretToken.digest(token))
    }

    public static func record(
        _ db: Connection, user: StaffUser?, actor: String? = nil, action: String, subject: String = "",
        detail: String = "", clientHash: String = ""
    ) throws {
        try db.run(
            "INSERT INTO audit_log (user_id, actor, action, subject, detail, client_hash) VALUES (?, ?, ?, ?, ?, ?)",
            user?.id, actor ?? user?.email ?? "", action, subject, detail, clientHash)
    }

    public struct AuditEntry: Sendable {
        public let actor: String, action: String, subject: String, detail: String, createdAt: String
    }

    public static func recentAudit(_ db: Connection, limit: Int = 200) throws -> [AuditEntry] {
        try db.query("SELECT actor, action, subject, detail, created_at FROM audit_log ORDER BY id DESC LIMIT ?", limit) {
            AuditEntry(
                actor: try $0.get("actor"), action: try $0.get("action"), subject: try $0.get("subject"),
                detail: try $0.get("detail"), createdAt: try $0.get("created_at"))
        }
    }

    // MARK: First-run setup links

    /// When there is no account yet, a fresh one-time link token (valid 24 hours).
    public static func makeSetupToken(_ db: Connection) throws -> String? {
        guard try count(db) == 0 else { return nil }
        let token = SecretToken.make()
        try db.run(
            "INSERT INTO setup_tokens (token_hash, expires_at) VALUES (?, ?)",
            SecretToken.digest(token), Timestamp.format(Date().addingTimeInterval(24 * 3600)))
        return token
    }

    public static func setupTokenIsValid(_ db: Connection, _ token: String) throws -> Bool {
        guard try count(db) == 0 else { return false }
        return try db.scalar(
            "SELECT 1 FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
            SecretToken.digest(token), Timestamp.now(), as: Int.self) == 1
    }

    /// Marks the token used; false when it was not usable (used, expired, or accounts exist).
    public static func consumeSetupToken(_ db: Connection, _ token: String) throws -> Bool {
        guard try setupTokenIsValid(db, token) else { return false }
        try db.run("UPDATE setup_tokens SET used_at = ? WHERE token_hash = ?", Timestamp.now(), SecretToken.digest(token))
        return true
    }
}
