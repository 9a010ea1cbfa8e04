import Foundation

/// Settings of the Accounts context, read from the environment by `App`.
public struct AccountsConfiguration: Sendable {
    /// Access-token lifetime in seconds (`STAMINA_JWT_ACCESS_TTL`).
    public var accessTokenLifetime: TimeInterval = 900
    /// Refresh-token lifetime in seconds (`STAMINA_JWT_REFRESH_TTL`).
    public var refreshTokenLifetime: TimeInterval = 30 * 86_400
    /// bcrypt cost (`STAMINA_BCRYPT_COST`).
    public var bcryptCost: UInt8 = 12
    /// Login attempts allowed per e-mail address (failures only) and window.
    public var loginLimitPerAccount = LoginRateLimiter.Limit(attempts: 10, window: 900)
    /// Login attempts allowed per client address and window.
    public var loginLimitPerAddress = LoginRateLimiter.Limit(attempts: 50, window: 900)
    /// External OpenID Connect issuer whose tokens are accepted, if any.
    public var oidc: OIDCConfiguration?

    public init() {}
}
