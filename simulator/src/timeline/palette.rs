//! State families and their colours. Every vendor names its states its own way ("SUCCEED",
//! "completed", "Upgrade_Failed_Lock", "normal"); the chart sorts them into a handful of
//! families by the words they contain, so the same colour means the same thing in every lane.

/// A family of states that share a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// Paused, suspended, stopped, cancelled or locked: waiting for a person.
    Paused,
    /// A state whose name says nothing we recognise (a bare number, a new word).
    Other,
}

impl Family {
    /// Every family, in legend order.
    pub const ALL: [Family; 6] = [
        Family::Pending,
        Family::Running,
        Family::Succeeded,
        Family::Failed,
        Family::Paused,
        Family::Other,
    ];

    /// The family of a state name, whatever its casing or separators.
    pub fn of(state: &str) -> Family {
        let s = state.to_ascii_lowercase();
        let words: Vec<&str> = s
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |needle: &str| s.contains(needle);
        let word = |w: &str| words.contains(&w);
        // Order matters: "Upgrade_Failed_Lock" is locked before it is failed, "unavailable"
        // is a failure before it is "available", "Not_Started" is pending before "start".
        if has("lock") || has("pause") || has("suspend") || has("cancel") || word("stopped") {
            return Family::Paused;
        }
        if has("fail")
            || has("error")
            || has("abnormal")
            || has("abort")
            || has("rollback")
            || has("rolling back")
            || (word("rolling") && word("back"))
            || has("timeout")
            || has("timed_out")
            || has("crash")
            || has("offline")
            || has("unavailable")
            || has("unhealthy")
            || word("down")
            || word("broken")
        {
            return Family::Failed;
        }
        if has("not_started") || has("notstarted") || (word("not") && word("started")) {
            return Family::Pending;
        }
        if has("succe")
            || has("complete")
            || word("done")
            || has("finish")
            || word("ok")
            || word("normal")
            || word("active")
            || word("healthy")
            || word("upgraded")
            || word("available")
            || word("online")
            || word("up")
            || word("passed")
        {
            return Family::Succeeded;
        }
        if has("run")
            || has("progress")
            || has("upgrading")
            || has("execut")
            || has("start")
            || has("reboot")
            || has("restart")
            || has("install")
            || has("apply")
            || has("applying")
            || has("processing")
            || has("rolling")
            || word("busy")
            || word("upgrade")
            || has("checking")
            || has("downloading")
        {
            return Family::Running;
        }
        if has("pend")
            || has("queue")
            || has("wait")
            || has("ready")
            || has("init")
            || has("creat")
            || has("schedul")
            || has("delay")
            || word("new")
            || word("idle")
            || has("plann")
            || word("draft")
            || word("submitted")
        {
            return Family::Pending;
        }
        Family::Other
    }

    /// The fill colour (Okabe–Ito hues, distinguishable with the common colour blindnesses).
    pub fn colour(self) -> &'static str {
        match self {
            Family::Pending => "#c3c9d2",
            Family::Running => "#0072b2",
            Family::Succeeded => "#009e73",
            Family::Failed => "#d55e00",
            Family::Paused => "#e69f00",
            Family::Other => "#8f7fb8",
        }
    }

    /// A short name, used as the CSS class `state-<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Pending => "pending",
            Family::Running => "running",
            Family::Succeeded => "succeeded",
            Family::Failed => "failed",
            Family::Paused => "paused",
            Family::Other => "other",
        }
    }

    /// What the legend says, with examples of the state names that land here.
    pub fn legend(self) -> &'static str {
        match self {
            Family::Pending => "pending (PENDING, READY, queued, Not_Started)",
            Family::Running => "running (RUNNING, upgrading, In_Progress, rebooting)",
            Family::Succeeded => "succeeded (SUCCEED, completed, normal)",
            Family::Failed => "failed (FAILED, abnormal, rolling back, offline)",
            Family::Paused => "paused / locked (paused, cancelled, Failed_Lock)",
            Family::Other => "other (a state name not recognised)",
        }
    }

    /// Whether a resource in this state has finished (its bar fades after it).
    pub fn is_final(self) -> bool {
        matches!(self, Family::Succeeded | Family::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::Family::*;
    use super::*;

    #[test]
    fn each_vendors_state_names_land_in_the_family_an_operator_expects() {
        let cases = [
            ("RUNNING", Running),
            ("SUCCEED", Succeeded),
            ("FAILED", Failed),
            ("READY", Pending),
            ("PENDING", Pending),
            ("running", Running),
            ("completed", Succeeded),
            ("paused", Paused),
            ("cancelled", Paused),
            ("normal", Succeeded),
            ("abnormal", Failed),
            ("createfail", Failed),
            ("Upgrade_Not_Started", Pending),
            ("Upgrade_In_Progress", Running),
            ("Upgrade_Completed", Succeeded),
            ("Upgrade_Failed", Failed),
            ("Upgrade_Failed_Lock", Paused),
            ("Rolling Back", Failed),
            ("unavailable", Failed),
            ("available", Succeeded),
            ("UPGRADING", Running),
            ("Queued", Pending),
            ("42", Other),
        ];
        for (state, family) in cases {
            assert_eq!(Family::of(state), family, "{state}");
        }
    }

    #[test]
    fn every_family_has_its_own_colour() {
        let mut colours: Vec<&str> = Family::ALL.iter().map(|f| f.colour()).collect();
        colours.sort();
        colours.dedup();
        assert_eq!(colours.len(), Family::ALL.len());
    }
}
