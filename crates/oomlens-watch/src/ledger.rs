//! Kills counted twice over: once from the kernel's report, once from the
//! cgroup's OOM-kill counter (`memory.oom_control` / `memory.events`
//! `oom_kill`, raised by the kernel before it prints its report). The
//! ledger matches the two so that each kill is published once: a report
//! pays for a counter increment (or is owed one, for a while), an increment
//! no report pays for within a grace period is a kill the log lost
//! (rate-limited: the kernel prints at most 10 full reports per 5 s), and a
//! report that names no cgroup (a rate-limited one keeps only its `Killed
//! process` line) takes the oldest unpaid increment as its cgroup. An
//! increment is only declared lost once the kernel-log follower has caught
//! up past it (a report waiting in a queue is not lost), or after
//! [`MAX_WAIT`] whatever the follower says.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// How long a report waits for the increment it explains (a counter read
/// after the container's cgroup was removed never comes).
const CREDIT_TTL: Duration = Duration::from_secs(30);
/// How long an increment waits for its report at most, when the kernel-log
/// follower never says it caught up.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
struct Account {
    /// The counter as last read.
    seen: u64,
    /// Increments no report explained yet, when each was read.
    unpaid: VecDeque<Instant>,
    /// Reports whose increment was not read yet, when each came.
    credits: VecDeque<Instant>,
}

/// The ledger of one node, by cgroup path.
#[derive(Debug, Default)]
pub struct Ledger {
    accounts: BTreeMap<String, Account>,
}

impl Ledger {
    /// The counter of `cgroup` read as `value` at `now` (a value below one
    /// read before is ignored). `fresh_from_zero` says the
    /// cgroup was not seen before: a cgroup present when the agent started
    /// counts from its current value (old kills), one that appeared later
    /// from 0 (a container can be made and killed between two passes).
    pub fn counter(&mut self, cgroup: &str, value: u64, fresh_from_zero: bool, now: Instant) {
        let a = match self.accounts.get_mut(cgroup) {
            Some(a) => a,
            None => {
                let a = self.accounts.entry(cgroup.to_string()).or_default();
                a.seen = if fresh_from_zero { 0 } else { value };
                a
            }
        };
        // A value below the last one is a reading older than it (passes
        // and sweeps read at different moments), not news.
        for _ in a.seen..value {
            if a.credits.pop_front().is_none() {
                a.unpaid.push_back(now);
            }
        }
        a.seen = a.seen.max(value);
    }

    /// A kernel report of a kill in `cgroup` at `now`.
    pub fn report(&mut self, cgroup: &str, now: Instant) {
        let a = self.accounts.entry(cgroup.to_string()).or_default();
        if a.unpaid.pop_front().is_none() {
            a.credits.push_back(now);
        }
    }

    /// A kernel report that names no cgroup: the cgroup of the oldest unpaid
    /// increment, which it pays; `None` when none is unpaid.
    pub fn attribute(&mut self) -> Option<String> {
        let (cg, _) = self
            .accounts
            .iter()
            .filter_map(|(cg, a)| Some((cg, *a.unpaid.front()?)))
            .min_by_key(|(_, t)| *t)?;
        let cg = cg.clone();
        if let Some(a) = self.accounts.get_mut(&cg) {
            a.unpaid.pop_front();
        }
        Some(cg)
    }

    /// Increments no report explained yet, over every cgroup.
    pub fn unpaid(&self) -> usize {
        self.accounts.values().map(|a| a.unpaid.len()).sum()
    }

    /// Increments unpaid for longer than `grace` and read before the
    /// kernel log was last `caught_up` (or unpaid for [`MAX_WAIT`]): kills
    /// no report will explain, one cgroup per kill, oldest first. Old
    /// credits expire.
    pub fn overdue(
        &mut self,
        now: Instant,
        grace: Duration,
        caught_up: Option<Instant>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let lost = |t: Instant| {
            let waited = now.saturating_duration_since(t);
            (waited >= grace && caught_up.is_some_and(|c| c > t)) || waited >= MAX_WAIT
        };
        for (cg, a) in &mut self.accounts {
            while a.unpaid.front().is_some_and(|t| lost(*t)) {
                a.unpaid.pop_front();
                out.push(cg.clone());
            }
            while a
                .credits
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= CREDIT_TTL)
            {
                a.credits.pop_front();
            }
        }
        out
    }

    /// Forgets a cgroup whose folder is gone and that owes nothing.
    pub fn forget(&mut self, cgroup: &str) {
        if self
            .accounts
            .get(cgroup)
            .is_some_and(|a| a.unpaid.is_empty() && a.credits.is_empty())
        {
            self.accounts.remove(cgroup);
        }
    }

    /// The kills published per cgroup in the counters' terms (read, minus
    /// unpaid, plus reports whose increment was not read yet), to be saved
    /// across a restart: the counters a next run counts new kills from.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.accounts
            .iter()
            .map(|(k, a)| {
                let v = a.seen.saturating_sub(a.unpaid.len() as u64) + a.credits.len() as u64;
                (k.clone(), v)
            })
            .collect()
    }

    /// Counters saved before a restart: increments since are new kills.
    pub fn seed(&mut self, saved: BTreeMap<String, u64>) {
        for (cg, seen) in saved {
            self.accounts.entry(cg).or_default().seen = seen;
        }
    }

    /// The cgroups with an account.
    pub fn cgroups(&self) -> impl Iterator<Item = &str> {
        self.accounts.keys().map(String::as_str)
    }

    /// Whether the cgroup's counter was read before.
    pub fn knows(&self, cgroup: &str) -> bool {
        self.accounts.contains_key(cgroup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Instant {
        Instant::now()
    }

    #[test]
    fn a_report_and_its_increment_make_one_kill_in_either_order() {
        let now = t0();
        let g = Duration::from_secs(2);
        let mut l = Ledger::default();
        l.counter("/a", 0, false, now);
        // Report first, then the counter.
        l.report("/a", now);
        l.counter("/a", 1, false, now);
        // Counter first, then the report.
        l.counter("/a", 2, false, now);
        l.report("/a", now);
        // An older reading coming late changes nothing.
        l.counter("/a", 1, false, now);
        l.counter("/a", 2, false, now);
        assert!(l.overdue(now + g * 10, g, Some(now + g * 10)).is_empty());
    }

    #[test]
    fn an_increment_without_report_is_overdue_after_the_grace() {
        let now = t0();
        let g = Duration::from_secs(2);
        let mut l = Ledger::default();
        l.counter("/a", 3, false, now);
        assert!(
            l.overdue(now + g, g, Some(now + g)).is_empty(),
            "old kills at start are not new"
        );
        l.counter("/a", 5, false, now);
        let late = now + g * 2;
        assert!(l
            .overdue(now + Duration::from_secs(1), g, Some(late))
            .is_empty());
        assert!(
            l.overdue(now + g, g, Some(now)).is_empty(),
            "the kernel log was not read past the increment yet"
        );
        assert_eq!(l.overdue(now + g, g, Some(late)), vec!["/a", "/a"]);
        assert!(
            l.overdue(now + g * 2, g, Some(late)).is_empty(),
            "reported once"
        );
        l.counter("/a", 6, false, now);
        assert_eq!(
            l.overdue(now + MAX_WAIT, g, None),
            vec!["/a"],
            "at most MAX_WAIT"
        );
    }

    #[test]
    fn a_cgroup_seen_after_the_start_counts_from_zero() {
        let now = t0();
        let g = Duration::from_secs(2);
        let mut l = Ledger::default();
        l.counter("/new", 1, true, now);
        assert_eq!(l.overdue(now + g, g, Some(now + g)), vec!["/new"]);
    }

    #[test]
    fn a_report_without_cgroup_takes_the_oldest_unpaid_increment() {
        let now = t0();
        let g = Duration::from_secs(2);
        let mut l = Ledger::default();
        assert_eq!(l.attribute(), None);
        l.counter("/b", 1, true, now + Duration::from_millis(5));
        l.counter("/a", 1, true, now);
        assert_eq!(l.unpaid(), 2);
        assert_eq!(l.attribute().as_deref(), Some("/a"));
        assert_eq!(l.attribute().as_deref(), Some("/b"));
        assert_eq!(l.attribute(), None);
        assert!(l.overdue(now + g, g, Some(now + g)).is_empty());
    }

    #[test]
    fn seeded_counters_make_increments_while_down_new_kills() {
        let now = t0();
        let g = Duration::from_secs(2);
        let mut l = Ledger::default();
        l.counter("/a", 2, false, now);
        let saved = l.counters();
        let mut m = Ledger::default();
        m.seed(saved);
        m.counter("/a", 3, false, now);
        assert_eq!(m.overdue(now + g, g, Some(now + g)), vec!["/a"]);
        // A report published but its increment not read yet counts as read.
        m.report("/b", now);
        assert_eq!(m.counters()["/b"], 1);
    }

    #[test]
    fn credits_expire_and_accounts_are_forgotten() {
        let now = t0();
        let mut l = Ledger::default();
        l.report("/gone", now);
        l.forget("/gone");
        assert!(l.knows("/gone"), "owes an increment");
        l.overdue(now + CREDIT_TTL, Duration::from_secs(2), None);
        l.forget("/gone");
        assert!(!l.knows("/gone"));
        l.counter("/here", 1, false, now);
        assert_eq!(l.cgroups().collect::<Vec<_>>(), vec!["/here"]);
    }
}
