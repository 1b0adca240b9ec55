import Foundation
import Storage

/// A staff account's second factor: the key shared with an authenticator app, its recovery
/// codes, and the step between a password accepted and a code typed (`sign_in_challenges`).
enum SecondFactorStore {
    /// How long the code page waits after the password, and how many codes it takes.
    static let challengeSeconds: TimeInterval = 5 * 60
    static let challengeAttempts = 5

    struct Status: Sendable {
        let enabled: Bool
        /// A key being set up (shown until a code confirms it).
        let pendingKey: [UInt8]?
        let recoveryCodesLeft: Int
    }

    static func status(_ db: Connection, userID: Int64) throws -> Status {
        try db.first(
            """
            SELECT totp_key IS NOT NULL AS enabled, totp_pending_key AS pending,
                (SELECT count(*) FROM recovery_codes WHERE user_id = users.id AND used_at IS NULL) AS left
            FROM users WHERE id = ?
            """, userID
        ) {
            Status(
                enabled: try $0.get("enabled", as: Bool.self), pendingKey: try $0.optional("pending", as: [UInt8].self),
                recoveryCodesLeft: try $0.get("left", as: Int.self))
        } ?? Status(enabled: false, pendingKey: nil, recoveryCodesLeft: 0)
    }

    /// A new key to set up (any earlier unconfirmed one is replaced).
    static func startSetup(_ db: Connection, userID: Int64) throws -> [UInt8] {
        let key = TimeBasedCode.newKey()
        try db.run("UPDATE users SET totp_pending_key = ? WHERE id = ?", key, userID)
        return key
    }

    /// Turns the second factor on when `typed` is the current code of the key being set up;
    /// answers the new recovery codes (shown once), or nil for a wrong code.
    static func confirmSetup(_ db: Connection, userID: Int64, typed: String, now: Date = Date()) throws -> [String]? {
        guard let key = try db.scalar("SELECT totp_pending_key FROM users WHERE id = ?", userID, as: [UInt8].self),
            let step = TimeBasedCode(key: key).matchingStep(typed, at: now, after: 0)
        else { return nil }
        try db.run(
            "UPDATE users SET totp_key = totp_pending_key, totp_pending_key = NULL, totp_last_step = ? WHERE id = ?", step, userID)
        return try newRecoveryCodes(db, userID: userID)
    }

    /// Ten fresh recovery codes; the old ones stop working.
    static func newRecoveryCodes(_ db: Connection, userID: Int64) throws -> [String] {
        try db.run("DELETE FROM recovery_codes WHERE user_id = ?", userID)
        let codes = RecoveryCodes.make()
        for code in codes {
            guard let normal = RecoveryCodes.normalized(code) else { continue }
            try db.run("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, SecretToken.digest(normal))
        }
        return codes
    }

    /// Signs in with the password alone again (the owner's choice, or an admin's for a lost phone).
    static func turnOff(_ db: Connection, userID: Int64) throws {
        try db.run("UPDATE users SET totp_key = NULL, totp_pending_key = NULL, totp_last_step = 0 WHERE id = ?", userID)
        try db.run("DELETE FROM recovery_codes WHERE user_id = ?", userID)
    }

    enum Method: String, Sendable {
        case code
        case recoveryCode = "recovery code"
    }

    /// Checks a code typed at sign-in (or to confirm a change): the app's current code, used
    /// once (the step is remembered), or an unused recovery code, used up. Nil: neither.
    static func verify(_ db: Connection, userID: Int64, typed: String, now: Date = Date()) throws -> Method? {
        if TimeBasedCode.normalized(typed) != nil {
            guard
                let (key, last) = try db.first(
                    "SELECT totp_key, totp_last_step FROM users WHERE id = ? AND totp_key IS NOT NULL", userID,
                    row: { (try $0.get("totp_key", as: [UInt8].self), try $0.get("totp_last_step", as: Int64.self)) }),
                let step = TimeBasedCode(key: key).matchingStep(typed, at: now, after: last)
            else { return nil }
            try db.run("UPDATE users SET totp_last_step = ? WHERE id = ?", step, userID)
            return .code
        }
        guard let normal = RecoveryCodes.normalized(typed) else { return nil }
        let used = try db.run(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", Timestamp.now(), userID,
            SecretToken.digest(normal))
        return used == 1 ? .recoveryCode : nil
    }

    // MARK: Between the password and the code

    /// A password was right for an account with a second factor: the token the browser holds
    /// while it types the code.
    static func startChallenge(_ db: Connection, userID: Int64, now: Date = Date()) throws -> String {
        try db.run("DELETE FROM sign_in_challenges WHERE expires_at <= ?", Timestamp.format(now))
        let token = SecretToken.make()
        try db.run(
            "INSERT INTO sign_in_challenges (token_hash, user_id, expires_at) VALUES (?, ?, ?)", SecretToken.digest(token), userID,
            Timestamp.format(now.addingTimeInterval(challengeSeconds)))
        return token
    }

    /// The account a live challenge is for, with tries left; nil once expired, used up or ended.
    static func challengeUser(_ db: Connection, token: String, now: Date = Date()) throws -> StaffUser? {
        try db.first(
            """
            SELECT \(StaffUser.columns) FROM sign_in_challenges JOIN users ON users.id = sign_in_challenges.user_id
            WHERE sign_in_challenges.token_hash = ? AND sign_in_challenges.expires_at > ? AND sign_in_challenges.attempts < ?
                AND users.disabled = 0
            """, SecretToken.digest(token), Timestamp.format(now), challengeAttempts, row: StaffUser.init)
    }

    /// Counts a wrong code against the challenge.
    static func failChallenge(_ db: Connection, token: String) throws {
        try db.run("UPDATE sign_in_challenges SET attempts = attempts + 1 WHERE token_hash = ?", SecretToken.digest(token))
    }

    static func endChallenge(_ db: Connection, token: String) throws {
        try db.run("DELETE FROM sign_in_challenges WHERE token_hash = ?", SecretToken.digest(token))
    }
}
