//! The exact minimum-bytes anchor set over a precomputed coverage matrix.
//!
//! Input: candidates, each with a flash cost, an owner, `covers[column]` (the device accepts
//! that column's chain with this anchor alone) and whether it is a `backup` (an independent
//! root that would serve any endpoint whose CA disappears: a durable ESP-IDF common CA). Each
//! column wants a number of owners `w` (0: ignore the column). A set is feasible when every
//! wanting column
//!
//! 1. is covered by at least one chosen candidate, and
//! 2. sees at least `w` distinct owners among the chosen candidates that cover it or are
//!    backups (fewer when fewer exist: the shortfall is reported, not fatal).
//!
//! The solver: candidates another candidate of the same owner dominates (no more expensive,
//! covers at least as much, at least as much a backup) are dropped; a greedy set seeds the
//! incumbent; then a branch and bound over sets picks the unsatisfied column with the fewest
//! ways to progress, branches on each candidate that helps it (cheapest first), excluding the
//! earlier siblings in later branches so every set is visited at most once, and prunes with an
//! admissible bound (the cheapest way to satisfy the hardest single column) against the
//! runner-up, so the two best minimal sets are both exact. Node and time limits keep it
//! bounded; the outcome says whether the search finished.

use std::time::{Duration, Instant};

/// One candidate anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its owner (CA organization).
    pub owner: String,
    /// Bytes it adds in the output format.
    pub cost: usize,
    /// `covers[c]`: it alone makes column `c` verify.
    pub covers: Vec<bool>,
    /// It counts toward every column's owner redundancy.
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
    /// The best minimal set other than the optimum (among undominated candidates).
    pub runner_up: Option<Solution>,
    /// Columns no candidate covers (ignored by the search; the caller explains them).
    pub uncoverable: Vec<usize>,
    /// `(column, owners possible)` where fewer owners exist than wanted.
    pub short: Vec<(usize, usize)>,
    /// Whether the search finished (the optimum is proven).
    pub exact: bool,
    /// Search nodes visited.
    pub nodes: usize,
}

/// Default limit on search nodes.
pub const NODE_LIMIT: usize = 1_000_000;

/// Default limit on search time.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// The reduced problem.
struct Problem {
    cost: Vec<usize>,
    tie: Vec<i64>,
    owner: Vec<usize>,
    backup: Vec<bool>,
    covers: Vec<Vec<bool>>,
    need: Vec<usize>,
    n_owners: usize,
    /// Per column: candidates that cover it or are backups, cheapest first.
    eligible: Vec<Vec<usize>>,
}

impl Problem {
    fn eligible_for(&self, i: usize, col: usize) -> bool {
        self.covers[i][col] || self.backup[i]
    }

    fn key(&self, i: usize) -> (usize, i64, usize) {
        (self.cost[i], self.tie[i], i)
    }
}

/// A partial set with incremental counts.
struct State {
    chosen: Vec<usize>,
    in_set: Vec<bool>,
    excluded: Vec<bool>,
    covered: Vec<u32>,
    owner_count: Vec<Vec<u32>>,
    owners: Vec<usize>,
    cost: usize,
}

impl State {
    fn new(p: &Problem) -> State {
        let cols = p.need.len();
        State {
            chosen: Vec::new(),
            in_set: vec![false; p.cost.len()],
            excluded: vec![false; p.cost.len()],
            covered: vec![0; cols],
            owner_count: vec![vec![0; p.n_owners]; cols],
            owners: vec![0; cols],
            cost: 0,
        }
    }

    fn push(&mut self, p: &Problem, i: usize) {
        self.chosen.push(i);
        self.in_set[i] = true;
        self.cost += p.cost[i];
        for col in 0..p.need.len() {
            if p.covers[i][col] {
                self.covered[col] += 1;
            }
            if p.eligible_for(i, col) {
                let c = &mut self.owner_count[col][p.owner[i]];
                if *c == 0 {
                    self.owners[col] += 1;
                }
                *c += 1;
            }
        }
    }

    fn pop(&mut self, p: &Problem) {
        let Some(i) = self.chosen.pop() else { return };
        self.in_set[i] = false;
        self.cost -= p.cost[i];
        for col in 0..p.need.len() {
            if p.covers[i][col] {
                self.covered[col] -= 1;
            }
            if p.eligible_for(i, col) {
                let c = &mut self.owner_count[col][p.owner[i]];
                *c -= 1;
                if *c == 0 {
                    self.owners[col] -= 1;
                }
            }
        }
    }

    fn satisfied(&self, p: &Problem, col: usize) -> bool {
        p.need[col] == 0 || (self.covered[col] > 0 && self.owners[col] >= p.need[col])
    }

    fn free(&self, i: usize) -> bool {
        !self.in_set[i] && !self.excluded[i]
    }
}

struct Search<'a> {
    p: &'a Problem,
    /// The best and the runner-up so far (distinct minimal sets, best first).
    top: Vec<Solution>,
    nodes: usize,
    limit: usize,
    deadline: Instant,
    aborted: bool,
    /// Scratch: owners seen in one column walk.
    seen: Vec<u32>,
    stamp: u32,
}

impl Search<'_> {
    /// Lower bound on the cost to satisfy `col`, and how many candidates make progress on it;
    /// `None` when it cannot be satisfied any more.
    fn bound(&mut self, st: &State, col: usize) -> Option<(usize, usize)> {
        let p = self.p;
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.iter_mut().for_each(|x| *x = 0);
            self.stamp = 1;
        }
        let covered = st.covered[col] > 0;
        let deficit = p.need[col].saturating_sub(st.owners[col]);
        let mut cover_lb = if covered { Some(0) } else { None };
        let mut owners_lb = 0;
        let mut got = 0;
        let mut options = 0;
        for &i in &p.eligible[col] {
            if !st.free(i) {
                continue;
            }
            let new_owner = st.owner_count[col][p.owner[i]] == 0;
            if covered {
                options += usize::from(new_owner);
            } else if p.covers[i][col] {
                options += 1;
                cover_lb.get_or_insert(p.cost[i]);
            }
            if new_owner && got < deficit && self.seen[p.owner[i]] != self.stamp {
                self.seen[p.owner[i]] = self.stamp;
                owners_lb += p.cost[i];
                got += 1;
            }
        }
        if got < deficit {
            return None;
        }
        Some((cover_lb?.max(owners_lb), options))
    }

    fn options(&self, st: &State, col: usize) -> Vec<usize> {
        let p = self.p;
        let covered = st.covered[col] > 0;
        p.eligible[col]
            .iter()
            .copied()
            .filter(|&i| {
                st.free(i)
                    && if covered {
                        st.owner_count[col][p.owner[i]] == 0
                    } else {
                        p.covers[i][col]
                    }
            })
            .collect()
    }

    fn feasible(&self, set: &[usize]) -> bool {
        let p = self.p;
        let mut st = State::new(p);
        for &i in set {
            st.push(p, i);
        }
        (0..p.need.len()).all(|c| st.satisfied(p, c))
    }

    fn minimal(&self, mut set: Vec<usize>) -> Vec<usize> {
        let mut order = set.clone();
        order.sort_by_key(|&i| std::cmp::Reverse(self.p.key(i)));
        for i in order {
            let without: Vec<usize> = set.iter().copied().filter(|&x| x != i).collect();
            if self.feasible(&without) {
                set = without;
            }
        }
        set.sort_unstable();
        set
    }

    fn record(&mut self, set: &[usize]) {
        let chosen = self.minimal(set.to_vec());
        let cost = chosen.iter().map(|&i| self.p.cost[i]).sum();
        let tie = chosen.iter().map(|&i| self.p.tie[i]).sum();
        if self.top.iter().any(|t| t.chosen == chosen) {
            return;
        }
        self.top.push(Solution { chosen, cost, tie });
        self.top
            .sort_by(|a, b| (a.cost, a.tie, &a.chosen).cmp(&(b.cost, b.tie, &b.chosen)));
        self.top.truncate(2);
    }

    /// Sets costing more than this cannot be the best or the runner-up.
    fn cutoff(&self) -> Option<usize> {
        self.top.get(1).map(|s| s.cost)
    }

    fn dfs(&mut self, st: &mut State) {
        self.nodes += 1;
        if self.nodes > self.limit || (self.nodes % 1024 == 0 && Instant::now() > self.deadline) {
            self.aborted = true;
        }
        if self.aborted {
            return;
        }
        let mut lb = 0;
        let mut pick: Option<(usize, bool, usize)> = None; // (options, covered, column)
        for col in 0..self.p.need.len() {
            if st.satisfied(self.p, col) {
                continue;
            }
            let Some((b, options)) = self.bound(st, col) else {
                return;
            };
            lb = lb.max(b);
            let key = (options, st.covered[col] > 0, col);
            if pick.is_none_or(|k| key < k) {
                pick = Some(key);
            }
        }
        let Some((_, _, col)) = pick else {
            let set = st.chosen.clone();
            self.record(&set);
            return;
        };
        if self.cutoff().is_some_and(|c| st.cost + lb > c) {
            return;
        }
        let opts = self.options(st, col);
        let mut excluded_here = Vec::new();
        for i in opts {
            if self.cutoff().is_some_and(|c| st.cost + self.p.cost[i] > c) {
                break; // options are cheapest first
            }
            st.push(self.p, i);
            self.dfs(st);
            st.pop(self.p);
            st.excluded[i] = true;
            excluded_here.push(i);
            if self.aborted {
                break;
            }
        }
        for i in excluded_here {
            st.excluded[i] = false;
        }
    }

    /// A quick feasible set: repeatedly the candidate that helps the most columns per byte.
    fn greedy(&mut self, excluded: &[bool]) {
        let p = self.p;
        let mut st = State::new(p);
        st.excluded = excluded.to_vec();
        loop {
            let open: Vec<usize> = (0..p.need.len()).filter(|&c| !st.satisfied(p, c)).collect();
            if open.is_empty() {
                let set = st.chosen.clone();
                self.record(&set);
                return;
            }
            let helps = |i: usize| {
                open.iter()
                    .filter(|&&c| {
                        (st.covered[c] == 0 && p.covers[i][c])
                            || (st.covered[c] > 0
                                && p.eligible_for(i, c)
                                && st.owner_count[c][p.owner[i]] == 0)
                    })
                    .count()
            };
            let best = (0..p.cost.len())
                .filter(|&i| st.free(i))
                .map(|i| (helps(i), i))
                .filter(|(h, _)| *h > 0)
                .max_by(|(ha, a), (hb, b)| {
                    // More help per byte; ties to the cheaper, then the lower index.
                    (ha * p.cost[*b])
                        .cmp(&(hb * p.cost[*a]))
                        .then(p.key(*b).cmp(&p.key(*a)))
                });
            match best {
                Some((_, i)) => st.push(p, i),
                None => return,
            }
        }
    }

    fn run(&mut self, excluded: &[bool]) {
        self.greedy(excluded);
        let mut st = State::new(self.p);
        st.excluded = excluded.to_vec();
        self.dfs(&mut st);
    }
}

/// Solves with the default limits, every endpoint wanting `redundancy` owners.
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

/// Whether candidate `b` makes `a` useless: same owner, no more expensive (ties broken by
/// the tie key, then the index), covers at least as much, a backup if `a` is.
fn dominates(c: &[Candidate], b: usize, a: usize) -> bool {
    let (x, y) = (&c[b], &c[a]);
    b != a
        && x.owner == y.owner
        && (x.cost, x.tie, b) < (y.cost, y.tie, a)
        && (x.backup || !y.backup)
        && y.covers.iter().zip(&x.covers).all(|(ya, xb)| !ya || *xb)
}

/// The general form: `wanted[c]` owners for column `c` (1 = covered is enough; 0 = ignore the
/// column). Candidates whose `covers` is shorter than `wanted` cover nothing beyond it.
pub fn solve_columns(candidates: &[Candidate], wanted: &[usize], limit: usize) -> Outcome {
    let cols = wanted.len();
    let cands: Vec<Candidate> = candidates
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.covers.resize(cols, false);
            c
        })
        .collect();
    let mut names: Vec<&str> = cands.iter().map(|c| c.owner.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let owner_of = |c: &Candidate| names.binary_search(&c.owner.as_str()).unwrap_or(0);
    // Columns: what they need, given what exists at all.
    let mut need = Vec::with_capacity(cols);
    let mut uncoverable = Vec::new();
    let mut short = Vec::new();
    for (col, &w) in wanted.iter().enumerate() {
        if w == 0 {
            need.push(0);
            continue;
        }
        if !cands.iter().any(|c| c.covers[col]) {
            uncoverable.push(col);
            need.push(0);
            continue;
        }
        let mut os: Vec<usize> = cands
            .iter()
            .filter(|c| c.covers[col] || c.backup)
            .map(owner_of)
            .collect();
        os.sort_unstable();
        os.dedup();
        if os.len() < w {
            short.push((col, os.len()));
        }
        need.push(w.min(os.len()));
    }
    // Drop dominated candidates (kept: `keep[k]` is the original index).
    let keep: Vec<usize> = (0..cands.len())
        .filter(|&a| !(0..cands.len()).any(|b| dominates(&cands, b, a)))
        .collect();
    let mut eligible: Vec<Vec<usize>> = vec![Vec::new(); cols];
    for (k, &i) in keep.iter().enumerate() {
        for (col, list) in eligible.iter_mut().enumerate() {
            if cands[i].covers[col] || cands[i].backup {
                list.push(k);
            }
        }
    }
    let p = Problem {
        cost: keep.iter().map(|&i| cands[i].cost).collect(),
        tie: keep.iter().map(|&i| cands[i].tie).collect(),
        owner: keep.iter().map(|&i| owner_of(&cands[i])).collect(),
        backup: keep.iter().map(|&i| cands[i].backup).collect(),
        covers: keep.iter().map(|&i| cands[i].covers.clone()).collect(),
        need,
        n_owners: names.len(),
        eligible,
    };
    let mut eligible = p.eligible.clone();
    for list in &mut eligible {
        list.sort_by_key(|&k| p.key(k));
    }
    let p = Problem { eligible, ..p };
    let deadline = Instant::now() + TIME_LIMIT;
    let mut s = Search {
        p: &p,
        top: Vec::new(),
        nodes: 0,
        limit,
        deadline,
        aborted: false,
        seen: vec![0; p.n_owners],
        stamp: 0,
    };
    s.run(&vec![false; p.cost.len()]);
    let exact = !s.aborted;
    let mut top = std::mem::take(&mut s.top).into_iter();
    let (best, runner_up) = (top.next(), top.next());
    let back = |sol: Solution| {
        let mut chosen: Vec<usize> = sol.chosen.iter().map(|&k| keep[k]).collect();
        chosen.sort_unstable();
        Solution { chosen, ..sol }
    };
    Outcome {
        best: best.map(back),
        runner_up: runner_up.map(back),
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

    /// Every subset, checked directly: the minimal feasible sets, cheapest first (the
    /// reference the solver must equal).
    fn brute(cands: &[Candidate], n: usize, r: usize) -> Vec<(usize, i64, Vec<usize>)> {
        let feasible = |set: &[usize]| {
            (0..n).all(|e| {
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
            })
        };
        let mut out = Vec::new();
        for mask in 0u32..(1 << cands.len()) {
            let set: Vec<usize> = (0..cands.len()).filter(|i| mask & (1 << i) != 0).collect();
            let minimal = feasible(&set)
                && set.iter().all(|&x| {
                    let without: Vec<usize> = set.iter().copied().filter(|&y| y != x).collect();
                    !feasible(&without)
                });
            if minimal {
                let cost: usize = set.iter().map(|&i| cands[i].cost).sum();
                let tie: i64 = set.iter().map(|&i| cands[i].tie).sum();
                out.push((cost, tie, set));
            }
        }
        out.sort();
        out
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
    fn dominated_candidates_are_dropped_and_indexes_kept() {
        let cands = vec![
            c("A", 900, &[true, false], false), // dominated by 2
            c("B", 100, &[false, true], false),
            c("A", 500, &[true, true], true),
        ];
        assert!(dominates(&cands, 2, 0));
        assert!(!dominates(&cands, 0, 2));
        assert!(!dominates(&cands, 1, 0), "another owner never dominates");
        let o = solve(&cands, 2, 1);
        assert_eq!(o.best.map(|s| s.chosen), Some(vec![2]));
        // The runner-up is among the undominated: {1, 2} is not minimal, so there is none.
        assert_eq!(o.runner_up, None);
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
            // Odd rounds: one owner per candidate, so nothing is dominated and the runner-up
            // must equal the second-best minimal set.
            let distinct = round % 2 == 1;
            let cands: Vec<Candidate> = (0..n_cand)
                .map(|k| Candidate {
                    owner: if distinct {
                        format!("O{k}")
                    } else {
                        owners[(next() % 5) as usize].into()
                    },
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
                o.best.as_ref().map(|s| (s.cost, s.tie)),
                want.first().map(|w| (w.0, w.1)),
                "round {round}: {cands:?} r={r}"
            );
            if let (Some(b), Some(ru)) = (&o.best, &o.runner_up) {
                assert!((b.cost, b.tie) <= (ru.cost, ru.tie));
                assert_ne!(b.chosen, ru.chosen);
            }
            if distinct {
                assert_eq!(
                    o.runner_up.as_ref().map(|s| s.cost),
                    want.get(1).map(|w| w.0),
                    "round {round}: {cands:?} r={r}"
                );
            }
        }
    }
}
