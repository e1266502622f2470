//! Cohorts' uses of services, grouped by service for the month loop's step 5.
//!
//! A service's cohort activity `C_s` and the budget money it receives from cohorts'
//! `existing` share are sums over the cohorts that use it, in cohort order (the
//! order the engine has always added them in, so the bits are those of a loop over
//! cohorts). Looping over cohorts and adding into each service's total made every
//! addition wait on the one before it through memory, as neighbouring cohorts use
//! the same services; looping over services, each total is a register, and the
//! services' sums run side by side.

/// One cohort's use of one service, with this iteration's draws.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ServiceUse {
    pub cohort: usize,
    /// The share of its use a holder keeps, `1 − substitution`.
    pub kept: f64,
    /// The drawn `per_month`.
    pub per_month: f64,
    /// The share of the cohort's `existing` budget spending that goes here.
    pub weight: f64,
}

/// Every use, grouped by service; within a service in cohort order.
#[derive(Debug, Default)]
pub(super) struct UsesByService {
    uses: Vec<ServiceUse>,
    /// Where each service's uses start in `uses` (one more entry than services).
    start: Vec<usize>,
    /// Scratch of [`Self::group`]: where the next use of each service goes.
    next: Vec<usize>,
}

impl UsesByService {
    /// Groups `uses` (in cohort order), each of the service beside it in `services`,
    /// by service (a stable counting sort, so the cohort order stays within each).
    pub fn group(
        &mut self,
        services: usize,
        uses: impl Iterator<Item = (usize, ServiceUse)> + Clone,
    ) {
        self.start.clear();
        self.start.resize(services + 1, 0);
        for (s, _) in uses.clone() {
            self.start[s + 1] += 1;
        }
        for s in 0..services {
            self.start[s + 1] += self.start[s];
        }
        self.next.clone_from(&self.start);
        self.uses.clear();
        self.uses
            .resize(self.start[services], ServiceUse::default());
        for (s, service_use) in uses {
            self.uses[self.next[s]] = service_use;
            self.next[s] += 1;
        }
    }

    /// The uses of service `s`, in cohort order.
    #[inline]
    pub fn of(&self, s: usize) -> &[ServiceUse] {
        &self.uses[self.start[s]..self.start[s + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_are_grouped_by_service_in_cohort_order() {
        let uses = [(2, 0), (0, 0), (2, 1), (1, 2), (0, 3), (2, 3)];
        let mut grouped = UsesByService::default();
        let items = uses.iter().map(|&(s, cohort)| {
            let service_use = ServiceUse {
                cohort,
                ..ServiceUse::default()
            };
            (s, service_use)
        });
        grouped.group(4, items);
        let cohorts = |s| grouped.of(s).iter().map(|u| u.cohort).collect::<Vec<_>>();
        assert_eq!(cohorts(0), [0, 3]);
        assert_eq!(cohorts(1), [2]);
        assert_eq!(cohorts(2), [0, 1, 3]);
        assert!(cohorts(3).is_empty());
    }
}
