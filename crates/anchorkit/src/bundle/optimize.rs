//! The exact minimum-bytes anchor set over a precomputed coverage matrix.
//!
//! Input: candidates, each with a flash cost, an owner, `covers[endpoint]` (the device accepts
//! that endpoint's served chain with this anchor alone, now and at the end of the lifetime) and
//! whether it is a `backup` (an independent root that would serve any endpoint whose CA
//! disappears: a durable ESP-IDF common CA). A set is feasible when every coverable endpoint
//!
//! 1. is covered by at least one chosen candidate, and
//! 2. sees at least `redundancy` distinct owners among the chosen candidates that cover it or
//!    are backups (fewer when fewer exist: the shortfall is reported, not fatal).
//!
//! The solver is a branch and bound over sets: pick the unsatisfied endpoint with the fewest
//! ways to progress, branch on each candidate that would help it (cheapest first), excluding
//! the earlier siblings in later branches so every set is visited at most once; prune with an
//! admissible bound (the cheapest way to satisfy the worst single endpoint). It keeps the best
//! and the runner-up (the best set that is not the optimum), minimal sets only, and reports
//! whether the search finished (it is exact unless the node limit is hit).

/// One candidate anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its owner (CA organization).
    pub owner: String,
    /// Bytes it adds in the output format.
    pub cost: usize,
    /// `covers[e]`: it alone makes endpoint `e` verify.
    pub covers: Vec<bool>,
    /// It counts toward every endpoint's owner redundancy.
    pub backup: bool,
    /// Tie-break key (summed over a set; smaller wins among equal costs).
    pub tie: i64,
}

/// A feasible set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Indexes of the chosen candidates, ascending.
    pub chosen: Vec<usize>,
    /// Their total cost.
    pub cost: usize,
    /// Their summed tie-break key.
    pub tie: i64,
}

/// What the solver found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The optimum, when any feasible set exists.
    pub best: Option<Solution>,
    /// The second-best minimal set.
    pub runner_up: Option<Solution>,
    /// Endpoints no candidate covers (ignored by the search; the caller explains them).
    pub uncoverable: Vec<usize>,
    /// `(endpoint, owners possible)` where fewer than `redundancy` owners exist.
    pub short: Vec<(usize, usize)>,
    /// Whether the search finished (the optimum is proven).
    pub exact: bool,
    /// Search nodes visited.
    pub nodes: usize,
}

/// Default limit on search nodes; far above what real instances need.
pub const NODE_LIMIT: usize = 2_000_000;

struct Search<'a> {
    c: &'a [Candidate],
    /// Per endpoint: owners needed (0 for an uncoverable endpoint).
    need: Vec<usize>,
    /// Owner index per candidate.
    owner: Vec<usize>,
    n_owners: usize,
    best: Vec<Solution>,
    nodes: usize,
    limit: usize,
}

/// Per-endpoint state of a partial set.
struct Status {
    covered: bool,
    owners: usize,
}

impl Search<'_> {
    fn eligible(&self, i: usize, e: usize) -> bool {
        self.c[i].covers[e] || self.c[i].backup
    }

    fn status(&self, chosen: &[usize], e: usize) -> Status {
        let mut seen = vec![false; self.n_owners];
        let mut covered = false;
        let mut owners = 0;
        for &i in chosen {
            covered |= self.c[i].covers[e];
            if self.eligible(i, e) && !seen[self.owner[i]] {
                seen[self.owner[i]] = true;
                owners += 1;
            }
        }
        Status { covered, owners }
    }

    fn satisfied(&self, s: &Status, e: usize) -> bool {
        self.need[e] == 0 || (s.covered && s.owners >= self.need[e])
    }

    fn feasible(&self, chosen: &[usize]) -> bool {
        (0..self.need.len()).all(|e| self.satisfied(&self.status(chosen, e), e))
    }

    /// Candidates that make progress on `e`, and a lower bound on the cost to satisfy `e`.
    fn options(
        &self,
        chosen: &[usize],
        excluded: &[bool],
        e: usize,
        s: &Status,
    ) -> (Vec<usize>, Option<usize>) {
        let mut counted = vec![false; self.n_owners];
        for &i in chosen {
            if self.eligible(i, e) {
                counted[self.owner[i]] = true;
            }
        }
        let free = |i: usize| !excluded[i] && !chosen.contains(&i);
        let mut opts: Vec<usize> = if s.covered {
            (0..self.c.len())
                .filter(|&i| free(i) && self.eligible(i, e) && !counted[self.owner[i]])
                .collect()
        } else {
            (0..self.c.len())
                .filter(|&i| free(i) && self.c[i].covers[e])
                .collect()
        };
        opts.sort_by_key(|&i| (self.c[i].cost, self.c[i].tie, i));
        // Bound: cheapest cover (if needed), and the cheapest distinct new owners.
        let deficit = self.need[e].saturating_sub(s.owners);
        let mut cheapest_per_owner: Vec<Option<usize>> = vec![None; self.n_owners];
        for i in 0..self.c.len() {
            if free(i) && self.eligible(i, e) && !counted[self.owner[i]] {
                let slot = &mut cheapest_per_owner[self.owner[i]];
                *slot = Some(slot.map_or(self.c[i].cost, |x| x.min(self.c[i].cost)));
            }
        }
        let mut per_owner: Vec<usize> = cheapest_per_owner.into_iter().flatten().collect();
        per_owner.sort_unstable();
        let owners_lb = if per_owner.len() < deficit {
            None
        } else {
            Some(per_owner.iter().take(deficit).sum::<usize>())
        };
        let cover_lb = if s.covered {
            Some(0)
        } else {
            opts.first().map(|&i| self.c[i].cost)
        };
        let lb = match (cover_lb, owners_lb) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        (opts, lb)
    }

    fn cutoff(&self) -> Option<(usize, i64)> {
        self.best.get(1).map(|s| (s.cost, s.tie))
    }

    fn minimal(&self, mut chosen: Vec<usize>) -> Vec<usize> {
        // Drop members the set does not need, most expensive first.
        let mut order = chosen.clone();
        order.sort_by_key(|&i| std::cmp::Reverse((self.c[i].cost, self.c[i].tie)));
        for i in order {
            let without: Vec<usize> = chosen.iter().copied().filter(|&x| x != i).collect();
            if self.feasible(&without) {
                chosen = without;
            }
        }
        chosen.sort_unstable();
        chosen
    }

    fn offer(&mut self, chosen: &[usize]) {
        let chosen = self.minimal(chosen.to_vec());
        if self.best.iter().any(|b| b.chosen == chosen) {
            return;
        }
        let cost = chosen.iter().map(|&i| self.c[i].cost).sum();
        let tie = chosen.iter().map(|&i| self.c[i].tie).sum();
        self.best.push(Solution { chosen, cost, tie });
        self.best
            .sort_by(|a, b| (a.cost, a.tie, &a.chosen).cmp(&(b.cost, b.tie, &b.chosen)));
        self.best.truncate(2);
    }

    fn dfs(&mut self, chosen: &mut Vec<usize>, excluded: &mut Vec<bool>, cost: usize) {
        self.nodes += 1;
        if self.nodes > self.limit {
            return;
        }
        // The most constrained unsatisfied endpoint, and the bound.
        let mut pick: Option<(usize, Vec<usize>)> = None;
        let mut lb = 0;
        for e in 0..self.need.len() {
            let s = self.status(chosen, e);
            if self.satisfied(&s, e) {
                continue;
            }
            let (opts, bound) = self.options(chosen, excluded, e, &s);
            let Some(bound) = bound else {
                return; // cannot be satisfied any more
            };
            lb = lb.max(bound);
            if pick.as_ref().is_none_or(|(_, o)| opts.len() < o.len()) {
                pick = Some((e, opts));
            }
        }
        let Some((_, opts)) = pick else {
            self.offer(chosen);
            return;
        };
        if let Some((c, _)) = self.cutoff() {
            if cost + lb > c {
                return;
            }
        }
        let mut newly_excluded = Vec::new();
        for i in opts {
            if let Some((c, _)) = self.cutoff() {
                if cost + self.c[i].cost > c {
                    break; // options are sorted by cost
                }
            }
            chosen.push(i);
            self.dfs(chosen, excluded, cost + self.c[i].cost);
            chosen.pop();
            excluded[i] = true;
            newly_excluded.push(i);
        }
        for i in newly_excluded {
            excluded[i] = false;
        }
    }
}

/// Solves with [`NODE_LIMIT`], every endpoint wanting `redundancy` owners.
pub fn solve(candidates: &[Candidate], n_endpoints: usize, redundancy: usize) -> Outcome {
    solve_with_limit(candidates, n_endpoints, redundancy, NODE_LIMIT)
}

/// Solves with an explicit node limit, every endpoint wanting `redundancy` owners.
pub fn solve_with_limit(
    candidates: &[Candidate],
    n_endpoints: usize,
    redundancy: usize,
    limit: usize,
) -> Outcome {
    solve_columns(candidates, &vec![redundancy.max(1); n_endpoints], limit)
}

/// The general form: `wanted[e]` owners for column `e` (1 = covered is enough; 0 = ignore the
/// column). Candidates whose `covers` is shorter than `wanted` cover nothing beyond it.
pub fn solve_columns(candidates: &[Candidate], wanted: &[usize], limit: usize) -> Outcome {
    let n_endpoints = wanted.len();
    let cands: Vec<Candidate> = candidates
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.covers.resize(n_endpoints, false);
            c
        })
        .collect();
    let mut names: Vec<&str> = cands.iter().map(|c| c.owner.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let owner: Vec<usize> = cands
        .iter()
        .map(|c| names.binary_search(&c.owner.as_str()).unwrap_or(0))
        .collect();
    let mut need = Vec::with_capacity(n_endpoints);
    let mut uncoverable = Vec::new();
    let mut short = Vec::new();
    for (e, &w) in wanted.iter().enumerate() {
        if w == 0 {
            need.push(0);
            continue;
        }
        if !cands.iter().any(|c| c.covers[e]) {
            uncoverable.push(e);
            need.push(0);
            continue;
        }
        let mut os: Vec<usize> = (0..cands.len())
            .filter(|&i| cands[i].covers[e] || cands[i].backup)
            .map(|i| owner[i])
            .collect();
        os.sort_unstable();
        os.dedup();
        if os.len() < w {
            short.push((e, os.len()));
        }
        need.push(w.min(os.len()));
    }
    let mut s = Search {
        c: &cands,
        need,
        owner,
        n_owners: names.len(),
        best: Vec::new(),
        nodes: 0,
        limit,
    };
    let mut excluded = vec![false; cands.len()];
    s.dfs(&mut Vec::new(), &mut excluded, 0);
    let exact = s.nodes <= s.limit;
    let mut best = s.best.into_iter();
    Outcome {
        best: best.next(),
        runner_up: best.next(),
        uncoverable,
        short,
        exact,
        nodes: s.nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(owner: &str, cost: usize, covers: &[bool], backup: bool) -> Candidate {
        Candidate {
            owner: owner.into(),
            cost,
            covers: covers.to_vec(),
            backup,
            tie: 0,
        }
    }

    /// Every subset, checked directly: the reference the solver must equal.
    fn brute(cands: &[Candidate], n: usize, r: usize) -> Option<(usize, Vec<usize>)> {
        let mut best: Option<(usize, i64, Vec<usize>)> = None;
        for mask in 0u32..(1 << cands.len()) {
            let set: Vec<usize> = (0..cands.len()).filter(|i| mask & (1 << i) != 0).collect();
            let ok = (0..n).all(|e| {
                if !cands.iter().any(|x| x.covers[e]) {
                    return true;
                }
                let mut possible: Vec<&str> = cands
                    .iter()
                    .filter(|x| x.covers[e] || x.backup)
                    .map(|x| x.owner.as_str())
                    .collect();
                possible.sort_unstable();
                possible.dedup();
                let need = r.max(1).min(possible.len());
                let mut os: Vec<&str> = set
                    .iter()
                    .filter(|&&i| cands[i].covers[e] || cands[i].backup)
                    .map(|&i| cands[i].owner.as_str())
                    .collect();
                os.sort_unstable();
                os.dedup();
                set.iter().any(|&i| cands[i].covers[e]) && os.len() >= need
            });
            if ok {
                let cost: usize = set.iter().map(|&i| cands[i].cost).sum();
                let tie: i64 = set.iter().map(|&i| cands[i].tie).sum();
                if best.as_ref().is_none_or(|b| (cost, tie) < (b.0, b.1)) {
                    best = Some((cost, tie, set));
                }
            }
        }
        best.map(|(c, _, s)| (c, s))
    }

    #[test]
    fn picks_the_cheapest_cover_and_backups() {
        let cands = vec![
            c("A", 1400, &[true, false], true),
            c("A", 600, &[true, false], false),
            c("B", 900, &[false, true], false),
            c("C", 500, &[false, false], true),
            c("D", 450, &[false, false], true),
        ];
        let o = solve(&cands, 2, 1);
        assert_eq!(o.best.as_ref().map(|s| s.chosen.clone()), Some(vec![1, 2]));
        assert!(o.exact);
        // Redundancy 2: each endpoint needs a second owner; one cheap backup serves both.
        let o = solve(&cands, 2, 2);
        assert_eq!(
            o.best.as_ref().map(|s| (s.chosen.clone(), s.cost)),
            Some((vec![1, 2, 4], 1950))
        );
        assert_eq!(o.runner_up.as_ref().map(|s| s.cost), Some(2000));
        // Redundancy 3: two backups of different owners.
        let o = solve(&cands, 2, 3);
        assert_eq!(
            o.best.as_ref().map(|s| (s.chosen.clone(), s.cost)),
            Some((vec![1, 2, 3, 4], 2450))
        );
    }

    #[test]
    fn a_cover_that_is_a_common_root_backs_up_the_others() {
        // X covers e0 and is a backup; Y covers e1 (not a backup). Redundancy 2 for e1 is met by
        // X; e0 needs another owner: Y is not eligible for e0 (neither covers it nor a backup).
        let cands = vec![
            c("X", 500, &[true, false], true),
            c("Y", 500, &[false, true], false),
            c("Z", 300, &[false, false], true),
        ];
        let o = solve(&cands, 2, 2);
        assert_eq!(o.best.map(|s| s.chosen), Some(vec![0, 1, 2]));
    }

    #[test]
    fn one_anchor_covering_both_beats_two() {
        let cands = vec![
            c("A", 700, &[true, false], false),
            c("B", 700, &[false, true], false),
            c("C", 1000, &[true, true], false),
        ];
        assert_eq!(solve(&cands, 2, 1).best.map(|s| s.chosen), Some(vec![2]));
        // Two owners per endpoint with no backups at all: only what covers counts, and e0/e1
        // each have two possible owners (A or B, plus C).
        assert_eq!(
            solve(&cands, 2, 2).best.map(|s| s.chosen),
            Some(vec![0, 1, 2])
        );
    }

    #[test]
    fn shortfall_and_uncoverable_are_reported() {
        let cands = vec![c("A", 10, &[true, false, false], false)];
        let o = solve(&cands, 3, 3);
        assert_eq!(o.uncoverable, vec![1, 2]);
        assert_eq!(o.short, vec![(0, 1)]);
        assert_eq!(o.best.map(|s| s.chosen), Some(vec![0]));
    }

    #[test]
    fn today_and_later_can_need_different_anchors() {
        // Column 0: today's chain (only D covers: a cross-sign's issuer). Column 1: the chain
        // once the cross-sign is gone (only X covers). Redundancy 2 on column 1 only.
        let cands = vec![
            c("DST", 363, &[true, false], false),
            c("ISRG", 1391, &[false, true], true),
            c("Amazon", 154, &[false, false], true),
            c("Google", 200, &[false, false], true),
        ];
        let o = solve_columns(&cands, &[1, 2], NODE_LIMIT);
        assert_eq!(o.best.map(|s| s.chosen), Some(vec![0, 1, 2]));
        // Ignored columns constrain nothing.
        let o = solve_columns(&cands, &[0, 0], NODE_LIMIT);
        assert_eq!(o.best.map(|s| s.chosen), Some(vec![]));
    }

    #[test]
    fn ties_follow_the_tie_key() {
        let mut a = c("A", 100, &[true], false);
        let mut b = c("B", 100, &[true], false);
        a.tie = 5;
        b.tie = -5;
        assert_eq!(solve(&[a, b], 1, 1).best.map(|s| s.chosen), Some(vec![1]));
    }

    #[test]
    fn node_limit_is_reported_not_hidden() {
        let cands: Vec<Candidate> = (0..12)
            .map(|i| c(&format!("O{i}"), 100 + i, &[true, true, true], true))
            .collect();
        let o = solve_with_limit(&cands, 3, 6, 3);
        assert!(!o.exact);
        let o = solve(&cands, 3, 6);
        assert!(o.exact);
        assert_eq!(
            o.best.map(|s| s.cost),
            Some(100 + 101 + 102 + 103 + 104 + 105)
        );
    }

    /// Random matrices: the solver equals exhaustive search (cost), and its runner-up is no
    /// better than the optimum.
    #[test]
    fn equals_brute_force_on_random_matrices() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..400 {
            let n_end = 1 + (next() % 5) as usize;
            let n_cand = 1 + (next() % 11) as usize;
            let owners = ["A", "B", "C", "D", "E"];
            let cands: Vec<Candidate> = (0..n_cand)
                .map(|_| Candidate {
                    owner: owners[(next() % 5) as usize].into(),
                    cost: 50 + (next() % 40) as usize * 10,
                    covers: (0..n_end).map(|_| next() % 3 == 0).collect(),
                    backup: next() % 3 == 0,
                    tie: (next() % 3) as i64,
                })
                .collect();
            let r = 1 + (next() % 3) as usize;
            let o = solve(&cands, n_end, r);
            let want = brute(&cands, n_end, r);
            assert!(o.exact);
            assert_eq!(
                o.best.as_ref().map(|s| s.cost),
                want.as_ref().map(|w| w.0),
                "round {round}: {cands:?} r={r}"
            );
            if let (Some(b), Some(ru)) = (&o.best, &o.runner_up) {
                assert!((b.cost, b.tie) <= (ru.cost, ru.tie));
                assert_ne!(b.chosen, ru.chosen);
            }
        }
    }
}
