//! Login sessions: the users of the scenario, the `mod_sec_emc` cookie and the CSRF token a
//! login gets (from the login's own stream, seeded by the scenario's seed and the instance's
//! start, so two instances never hand out the same token, while a run replays from its
//! journal: each login's entry names what seeded it), the idle timeout, and logout. The checks a
//! request's credentials go through are in `auth`; this is what they look up and create.

use base64::Engine;
use serde_json::json;

use super::config::UserConfig;
use super::model::{Model, VENDOR};
use crate::kernel::{Core, Millis};

/// Idle timeout of a login session, seconds (as recorded).
pub const IDLE_TIMEOUT_S: u64 = 3600;

#[derive(Debug, Clone)]
pub struct Login {
    pub user: String,
    pub role: String,
    pub cookie: String,
    pub token: String,
    pub last_used: Millis,
    pub alive: bool,
}

impl Login {
    /// Not logged out, and used within the idle timeout.
    pub fn live(&self, now: Millis) -> bool {
        self.alive && now.saturating_sub(self.last_used) < IDLE_TIMEOUT_S * 1000
    }
}

impl Model {
    pub fn user(&self, name: &str, password: &str) -> Option<&UserConfig> {
        self.users
            .iter()
            .find(|u| u.name == name && u.password == password)
    }

    pub fn login_by_cookie(&self, cookie: &str, now: Millis) -> Option<usize> {
        self.logins
            .iter()
            .position(|l| l.cookie == cookie && l.live(now))
    }

    /// The user's live login session, or a new one. Basic auth without a cookie (storops over
    /// plain http loses the Secure cookie) joins the user's live session, so its CSRF token
    /// stays good "for the entirety of the session".
    pub fn login_for_user(&mut self, core: &mut Core, user: &UserConfig) -> (usize, bool) {
        let now = core.now();
        if let Some(i) = self
            .logins
            .iter()
            .rposition(|l| l.user == user.name && l.live(now))
        {
            return (i, false);
        }
        let n = self.logins.len() as u64 + 1;
        let mut rng = core.rng(&format!("login/{n}@{}", self.started));
        let b64 = &base64::engine::general_purpose::STANDARD;
        let mut bytes = [0u8; 64];
        rand::RngCore::fill_bytes(&mut rng, &mut bytes);
        let token = b64.encode(bytes);
        let mut cookie_bytes = [0u8; 24];
        rand::RngCore::fill_bytes(&mut rng, &mut cookie_bytes);
        let cookie = format!(
            "value3&1&value1&{}&value2&{}",
            b64.encode(&cookie_bytes[..12]),
            hex::encode(&cookie_bytes[12..])
        );
        self.logins.push(Login {
            user: user.name.clone(),
            role: user.role.clone(),
            cookie,
            token,
            last_used: now,
            alive: true,
        });
        core.event(
            VENDOR,
            &format!("login/{n}"),
            json!({"user": user.name, "login": true, "seeded_by": {"seed": core.seed, "started": self.started}}),
        );
        (self.logins.len() - 1, true)
    }

    pub fn logout(&mut self, core: &mut Core, login: usize) {
        if let Some(l) = self.logins.get_mut(login) {
            l.alive = false;
            core.event(
                VENDOR,
                &format!("login/{}", login + 1),
                json!({"user": l.user, "logout": true}),
            );
        }
    }
}
