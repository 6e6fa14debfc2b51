//! Better Auth 1.7's core tables and plugin tables, as field lists.

use serde::{Deserialize, Serialize};

use super::field::{Field, FieldType, OnDelete};

/// An opt-in schema extension, as Better Auth's plugins add them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Plugin {
    /// `twoFactor` table and `user.twoFactorEnabled`.
    TwoFactor,
    /// `passkey` table.
    Passkey,
    /// `organization`, `member`, `invitation` tables and `session.activeOrganizationId`.
    Organization,
}

fn id() -> Field {
    Field::string("id")
}

fn created_at() -> Field {
    Field::date("createdAt").default_now()
}

fn updated_at() -> Field {
    Field::date("updatedAt").default_now().on_update_now()
}

fn user_ref(name: &str) -> Field {
    Field::string(name).references("user", "id", OnDelete::Cascade).index()
}

/// The four core models: `user`, `session`, `account`, `verification`.
pub fn core_models() -> Vec<(&'static str, Vec<Field>)> {
    vec![
        (
            "user",
            vec![
                id(),
                Field::string("name"),
                Field::string("email").unique(),
                Field::boolean("emailVerified").default_value(false),
                Field::string("image").optional(),
                created_at(),
                updated_at(),
            ],
        ),
        (
            "session",
            vec![
                id(),
                Field::date("expiresAt"),
                Field::string("token").unique(),
                created_at(),
                updated_at(),
                Field::string("ipAddress").optional(),
                Field::string("userAgent").optional(),
                user_ref("userId"),
            ],
        ),
        (
            "account",
            vec![
                id(),
                Field::string("accountId"),
                Field::string("providerId"),
                user_ref("userId"),
                Field::string("accessToken").optional().not_returned(),
                Field::string("refreshToken").optional().not_returned(),
                Field::string("idToken").optional().not_returned(),
                Field::date("accessTokenExpiresAt").optional(),
                Field::date("refreshTokenExpiresAt").optional(),
                Field::string("scope").optional(),
                Field::string("password").optional().not_returned(),
                created_at(),
                updated_at(),
            ],
        ),
        (
            "verification",
            vec![
                id(),
                Field::string("identifier").index(),
                Field::string("value"),
                Field::date("expiresAt"),
                created_at(),
                updated_at(),
            ],
        ),
    ]
}

/// What a plugin adds: fields on existing models and new models.
pub struct PluginSchema {
    /// Fields added to existing models: (model, field).
    pub fields: Vec<(&'static str, Field)>,
    /// New models: (name, fields).
    pub models: Vec<(&'static str, Vec<Field>)>,
}

impl Plugin {
    /// Every plugin, in a stable order.
    pub const ALL: [Plugin; 3] = [Plugin::TwoFactor, Plugin::Passkey, Plugin::Organization];

    /// The configuration name (`two-factor`, `passkey`, `organization`).
    pub fn name(self) -> &'static str {
        match self {
            Plugin::TwoFactor => "two-factor",
            Plugin::Passkey => "passkey",
            Plugin::Organization => "organization",
        }
    }

    /// The plugin's schema additions, as Better Auth 1.7.25 defines them.
    pub fn schema(self) -> PluginSchema {
        match self {
            Plugin::TwoFactor => PluginSchema {
                fields: vec![("user", Field::boolean("twoFactorEnabled").optional().default_value(false))],
                models: vec![(
                    "twoFactor",
                    vec![
                        id(),
                        Field::string("secret").index().not_returned(),
                        Field::string("backupCodes").not_returned(),
                        user_ref("userId"),
                        Field::boolean("verified").optional().default_value(true),
                        Field::number("failedVerificationCount").optional().default_value(0i64),
                        Field::date("lockedUntil").optional(),
                    ],
                )],
            },
            Plugin::Passkey => PluginSchema {
                fields: vec![],
                models: vec![(
                    "passkey",
                    vec![
                        id(),
                        Field::string("name").optional(),
                        Field::string("publicKey"),
                        user_ref("userId"),
                        Field::string("credentialID").index(),
                        Field::number("counter"),
                        Field::string("deviceType"),
                        Field::boolean("backedUp"),
                        Field::string("transports").optional(),
                        Field::date("createdAt").optional(),
                        Field::string("aaguid").optional(),
                    ],
                )],
            },
            Plugin::Organization => PluginSchema {
                fields: vec![("session", Field::string("activeOrganizationId").optional())],
                models: vec![
                    (
                        "organization",
                        vec![
                            id(),
                            Field::string("name"),
                            Field::string("slug").unique().index(),
                            Field::string("logo").optional(),
                            Field::date("createdAt"),
                            Field::string("metadata").optional(),
                        ],
                    ),
                    (
                        "member",
                        vec![
                            id(),
                            Field::string("organizationId")
                                .references("organization", "id", OnDelete::Cascade)
                                .index(),
                            user_ref("userId"),
                            Field::string("role").default_value("member"),
                            Field::date("createdAt"),
                        ],
                    ),
                    (
                        "invitation",
                        vec![
                            id(),
                            Field::string("organizationId")
                                .references("organization", "id", OnDelete::Cascade)
                                .index(),
                            Field::string("email").index(),
                            Field::string("role").optional(),
                            Field::string("status").default_value("pending"),
                            Field::date("expiresAt"),
                            created_at(),
                            Field::string("inviterId").references("user", "id", OnDelete::Cascade),
                        ],
                    ),
                ],
            },
        }
    }
}

/// `true` if `ty` is a valid default for a field of type `field`.
pub(crate) fn default_fits(field: FieldType, v: &crate::Value) -> bool {
    use crate::Value as V;
    matches!(
        (field, v),
        (_, V::Null)
            | (FieldType::String, V::String(_))
            | (FieldType::Number, V::Int(_))
            | (FieldType::Boolean, V::Bool(_))
            | (FieldType::Date, V::Date(_))
            | (FieldType::Json, _)
            | (FieldType::StringArray | FieldType::NumberArray, V::List(_))
    )
}
